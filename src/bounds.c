/*-------------------------------------------------------------------------
 *
 * bounds.c
 *		Lower bounds of hotels' prices, and the orders they give cheapest().
 *
 * cheapest() keeps the best max_results hotels of a city and must look at
 * every hotel that could beat the worst of them.  In a big city almost none
 * can, and visiting them anyway is what a query for a big city costs.  So
 * the worker sorts each city's hotels by a lower bound of their price:
 * cheapest() visits them in that order and stops at the first hotel whose
 * bound already exceeds the worst kept total, since every hotel after it
 * costs at least as much.  A city of thousands of hotels costs a few dozen
 * visits.
 *
 * The bound K of a hotel is what one night costs at the least, under any
 * of its plans, for any party: for each of its rooms and each plan that
 * sells it, the room's cheapest sellable nightly price p, adjusted by the
 * room's lowest occupancy percent o (or 0), then by the plan's percent a
 * and amount m (clamped at zero), less the hotel's largest discount d,
 * plus the fees per night and per guest and night and the plan's board
 * fee (one occupant at least), plus VAT at v, plus the city tax per adult
 * and night (one adult at least):
 *
 *		K = min over rooms and plans of
 *			floor((floor(max(floor(floor(p * (1 + o)) * (1 + a)) + m, 0)
 *				  * (1 - d)) + fees + board) * (1 + v)) + tax
 *
 * A stay of n nights in any of its offers costs at least n * K - 5 cents:
 * the rack price is at least n * p, extra guests and the fee per stay only
 * add, and the four roundings (occupancy, plan, discount, VAT) take at
 * most half a cent each, scaled by factors of at most 2.  Totals are whole
 * cents.  This rests on the tables' CHECK constraints, no amount but the
 * plan's m negative and no percent beyond its range, which a refresh
 * checks before it loads anything (load.c).
 *
 * A search that converts totals to a currency ranks hotels of several
 * currencies together, so each order has a twin whose keys are lower
 * bounds of (K - 5) times the hotel's exchange rate, in the pivot currency;
 * the search divides them by the requested currency's rate.
 *
 * Prices move with the seasons, so a bound over the whole window is loose
 * for any one stay.  Each period of PRICING_PERIOD_NIGHTS nights gets its
 * own order, with bounds over the nights a short stay (at most
 * PRICING_PERIOD_STAY nights) checking in during the period can occupy;
 * longer stays use the order of the whole window.  An order costs 8 bytes
 * per hotel, about 0.3 bytes per rate for a year's window.
 *
 * Computed from the raw nightly prices and sellable flags, before load.c
 * turns them into prefix sums and run lengths.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "pricing.h"

#define ST_SORT				sort_order
#define ST_ELEMENT_TYPE		uint32
#define ST_COMPARE(a, b)	((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE			static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* nights a period's bounds cover: its own, and those its stays run into */
#define PERIOD_REACH	(PRICING_PERIOD_NIGHTS + PRICING_PERIOD_STAY - 1)

/* amounts above this many cents count as this many in a bound */
#define BOUND_CAP		((uint64) 1 << 40)

static void block_bounds(PricingCity *city, const PricingBlock *b, int32 ndays,
						 int32 pos, const PricingExchange *fx);
static void hotel_bounds(const PricingHotel *h, const PricingBlock *b,
						 const uint32 *low, int32 n, uint64 *any, uint64 *pair,
						 uint64 *trio, uint64 *plan0_pair);
static uint64 room_plan_bound(const PricingHotel *h, const PricingRoom *room,
							  const PricingPlan *plan, uint64 low,
							  int32 occupants);
static int32 min_occupancy(const PricingRoom *room, int32 occupants);
static float cents_key(uint64 k);
static float pivot_key(uint64 k, const PricingHotel *h,
					   const PricingExchange *fx);
static inline int32 period_count(int32 ndays);

/* a bound that no stay reaches: no offer of the hotel fits the set */
#define NO_OFFER	PG_UINT64_MAX

/* arena bytes of the orders of a city of nhotels hotels, roughly */
Size
pricing_city_order_bytes(int64 nhotels, int32 ndays)
{
	Size		norders = PRICING_ORDER_SETS * (period_count(ndays) + 1);

	return sizeof(PricingHotel *) * nhotels +
		(sizeof(uint32 *) + 16) * norders + sizeof(uint32) * norders * nhotels;
}

/*
 * Compute the city's orders, in cxt, from its blocks' raw nightly data.
 */
void
pricing_city_orders(MemoryContext cxt, PricingCity *city, int32 ndays,
					const PricingExchange *fx)
{
	int32		pos = 0;
	int32		norders;

	city->nhotels = 0;
	for (int32 i = 0; i < city->nblocks; i++)
		city->nhotels += city->blocks[i]->nhotels;
	city->nperiods = period_count(ndays);
	city->posbits = 1;
	while (((int64) 1 << city->posbits) < city->nhotels)
		city->posbits++;
	city->max_infant_age = 0;
	for (int32 i = 0; i < city->nblocks; i++)
		for (int32 k = 0; k < city->blocks[i]->nhotels; k++)
			city->max_infant_age = Max(city->max_infant_age,
									   city->blocks[i]->hotels[k].infant_age);
	norders = PRICING_ORDER_SETS * (city->nperiods + 1);
	city->hotels = MemoryContextAlloc(cxt, sizeof(PricingHotel *) * Max(city->nhotels, 1));
	city->orders = MemoryContextAlloc(cxt, sizeof(uint32 *) * norders);
	for (int32 o = 0; o < norders; o++)
		city->orders[o] = MemoryContextAlloc(cxt, sizeof(uint32) * Max(city->nhotels, 1));

	for (int32 i = 0; i < city->nblocks; i++)
	{
		block_bounds(city, city->blocks[i], ndays, pos, fx);
		pos += city->blocks[i]->nhotels;
		CHECK_FOR_INTERRUPTS();
	}

	for (int32 o = 0; o < norders; o++)
		sort_order(city->orders[o], city->nhotels);
}

/*
 * Enter the bounds of the hotels of block b, the city's hotels pos .. on,
 * into the city's orders.
 */
static void
block_bounds(PricingCity *city, const PricingBlock *b, int32 ndays, int32 pos,
			 const PricingExchange *fx)
{
	int32		nperiods = city->nperiods;
	int32		n = b->nrooms;
	uint32	   *low;			/* cheapest sellable night, per order and room */
	int32		room = 0;

	low = palloc(sizeof(uint32) * ((Size) nperiods + 1) * Max(n, 1));
	memset(low, 0xFF, sizeof(uint32) * ((Size) nperiods + 1) * Max(n, 1));

	/*
	 * The arrays are night-major: walk them a night at a time.  b->cum holds
	 * each night's raw price (row d + 1 for night d; 0 for the rare prices
	 * too large for it, which is still a bound) and b->nights each night's
	 * sellable flag.
	 */
	for (int32 d = 0; d < ndays; d++)
	{
		const uint32 *price = b->cum + (Size) (d + 1) * n;
		const uint8 *flags = b->nights + PRICING_NIGHT_BYTES * (Size) d * n;
		int32		p_first = d >= PERIOD_REACH ? (d - PERIOD_REACH) / PRICING_PERIOD_NIGHTS + 1 : 0;
		int32		p_last = d / PRICING_PERIOD_NIGHTS;

		for (int32 s = 0; s < n; s++)
		{
			if (!(flags[PRICING_NIGHT_BYTES * s] & PRICING_RUN_MAX))
				continue;
			for (int32 p = p_first; p <= p_last; p++)
				low[(Size) p * n + s] = Min(low[(Size) p * n + s], price[s]);
			low[(Size) nperiods * n + s] = Min(low[(Size) nperiods * n + s], price[s]);
		}
	}

	for (int32 i = 0; i < b->nhotels; i++)
	{
		const PricingHotel *h = &b->hotels[i];
		uint32		at = (uint32) (pos + i);
		int32		bits = city->posbits;

		Assert(h->first_room == room);
		city->hotels[at] = h;
		for (int32 p = 0; p <= nperiods; p++)
		{
			uint64		any,
						pair,
						trio,
						plan0_pair;

			hotel_bounds(h, b, low + (Size) p * n, n, &any, &pair, &trio,
						 &plan0_pair);
			city->orders[PRICING_ORDERS_ANY * (nperiods + 1) + p][at] =
				pricing_order_entry(cents_key(any), at, bits);
			city->orders[PRICING_ORDERS_PLAN0_PAIR * (nperiods + 1) + p][at] =
				pricing_order_entry(cents_key(plan0_pair), at, bits);
			city->orders[PRICING_ORDERS_PIVOT_ANY * (nperiods + 1) + p][at] =
				pricing_order_entry(pivot_key(any, h, fx), at, bits);
			city->orders[PRICING_ORDERS_PIVOT_PAIR * (nperiods + 1) + p][at] =
				pricing_order_entry(pivot_key(pair, h, fx), at, bits);
			city->orders[PRICING_ORDERS_PIVOT_TRIO * (nperiods + 1) + p][at] =
				pricing_order_entry(pivot_key(trio, h, fx), at, bits);
		}
		room += h->nrooms;
	}
	pfree(low);
}

/*
 * The hotel's bounds K for one period, whose cheapest sellable night costs
 * low[r] in room r of the block (PG_UINT32_MAX: none): under any plan for
 * any party, for two occupants or more and for three or more, and under
 * plan 0 for two occupants or more.  NO_OFFER when no offer fits.
 */
static void
hotel_bounds(const PricingHotel *h, const PricingBlock *b, const uint32 *low,
			 int32 n, uint64 *any, uint64 *pair, uint64 *trio,
			 uint64 *plan0_pair)
{
	*any = *pair = *trio = *plan0_pair = NO_OFFER;
	for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
	{
		const PricingRoom *room = &b->rooms[r];

		/* a room without a sellable night in the period offers nothing */
		if (low[r] == PG_UINT32_MAX)
			continue;
		for (int32 q = 0; q < h->nplans; q++)
		{
			const PricingPlan *plan = &h->plans[q];
			uint64		k;

			if (!plan->all_rooms && plan->room_id != room->room_id)
				continue;
			*any = Min(*any, room_plan_bound(h, room, plan, low[r], 1));
			if (room->max_guests < 2)
				continue;
			k = room_plan_bound(h, room, plan, low[r], 2);
			*pair = Min(*pair, k);
			if (plan->plan_id == 0)
				*plan0_pair = Min(*plan0_pair, k);
			if (room->max_guests >= 3)
				*trio = Min(*trio, room_plan_bound(h, room, plan, low[r], 3));
		}
	}
}

/*
 * K of one room under one plan, for at least this many occupants (1 to
 * 3), whose cheapest sellable night in the period costs low cents (see the
 * top of the file).  Every step rounds down; amounts are capped so that
 * the arithmetic stays well inside 64 bits, which can only lower the
 * bound.
 */
static uint64
room_plan_bound(const PricingHotel *h, const PricingRoom *room,
				const PricingPlan *plan, uint64 low, int32 occupants)
{
	uint64		fees = Min((uint64) h->fee_night, BOUND_CAP) +
		occupants * Min((uint64) h->fee_guest_night, BOUND_CAP);
	uint64		board = occupants * Min((uint64) plan->board_fee, BOUND_CAP);
	uint64		tax = Min((uint64) h->city_tax, BOUND_CAP);
	uint64		vat = h->vat_percent;
	uint64		d = room->max_discount;
	int32		occ = min_occupancy(room, occupants);
	int64		x;

	Assert(h->vat_percent >= 0 && h->vat_percent <= 10000);
	Assert(h->fee_night >= 0 && h->fee_guest_night >= 0 && h->city_tax >= 0);
	Assert(d <= 10000 && occ >= -10000 && occ <= 0);
	Assert(plan->adjust_percent >= -10000 && plan->adjust_percent <= 10000);

	x = (int64) (low * (10000 + occ) / 10000);
	x = x * (10000 + plan->adjust_percent) / 10000;
	x += Max(plan->adjust_amount, -(int64) BOUND_CAP);
	if (x < 0)
		x = 0;
	return ((uint64) x * (10000 - d) / 10000 + fees + board) * (10000 + vat) / 10000 + tax;
}

/*
 * The lowest occupancy percent of the room for parties of at least this
 * many occupants: that of a row for so many or more, or 0 (no row).
 */
static int32
min_occupancy(const PricingRoom *room, int32 occupants)
{
	int32		low = 0;

	for (int i = 0; i < room->nocc; i++)
		if (room->occ[i].occupants >= occupants)
			low = Min(low, room->occ[i].percent);
	return low;
}

/* a bound in cents as an order's key: a float no greater than it */
static float
cents_key(uint64 k)
{
	float		f;

	if (k == NO_OFFER)
		return INFINITY;
	f = (float) k;
	if ((double) f > (double) k)
		f = nextafterf(f, 0.0f);
	return f;
}

/*
 * The key of a hotel whose bound is k in a pivot order: a float no
 * greater than (k - 5) times its currency's rate.  A hotel whose currency
 * has no exchange rate has no converted price: +Inf, last.
 */
static float
pivot_key(uint64 k, const PricingHotel *h, const PricingExchange *fx)
{
	double		v;
	float		f;

	if (h->fx < 0 || k == NO_OFFER)
		return INFINITY;
	v = (double) (k > 5 ? k - 5 : 0) * fx[h->fx].approx * (1.0 - 1e-9);
	f = (float) v;
	if ((double) f > v)
		f = nextafterf(f, 0.0f);
	if (!(f < FLT_MAX))
		f = FLT_MAX;
	return f;
}

static inline int32
period_count(int32 ndays)
{
	return (ndays + PRICING_PERIOD_NIGHTS - 1) / PRICING_PERIOD_NIGHTS;
}
