/*-------------------------------------------------------------------------
 *
 * price.c
 *		The price of an offer, a room sold under one of its hotel's rate
 *		plans: the arithmetic of doc/reference.md ("The price of an
 *		offer") in integer cents, and the rules that make an offer
 *		eligible, one by one for pricing.explain.
 *
 * Every amount is an exact count of cents; the only divisions are the
 * roundings the contract names (occupancy, plan adjustment, discount and
 * VAT), each round half away from zero on a non-negative amount, which is
 * (x + 5000) / 10000 on hundredths of a percent.  The arithmetic runs in
 * 128-bit integers: guests, nights and amounts near their column limits
 * multiply past 64 bits, and a wrong total is worse than a slow one.
 *
 * Plans and occupancy change the sum of a stay, never a single night, so
 * every offer of a room is priced from the room's one rack price (the
 * prefix sums of its nightly prices): the plans of a hotel cost nothing in
 * the arena but their description.
 *
 * This is the hot path of the searches: no allocation, no lookups, just
 * the room's entries in its block, its hotel's plans and discounts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "pricing.h"

static inline int32 best_discount(const PricingHotel *hotel,
								  const PricingRoom *room,
								  const PricingPlan *plan,
								  const PricingStay *stay);

/*
 * The price of an eligible offer whose rack price (the sum of the nightly
 * prices) is known; occupancy is the room's percent for the party's
 * occupants.
 */
void
pricing_offer_price(const PricingHotel *hotel, const PricingRoom *room,
					const PricingPlan *plan, int64 rack, int32 occupancy,
					const PricingStay *stay, const PricingGuests *g,
					PricingPrice *p)
{
	int32		n = stay->nights;
	int128		subtotal;
	int128		net;
	int32		spare_beds = Max(room->base_guests - g->adults, 0);

	p->base = pricing_offer_base(plan, rack, occupancy, n);
	p->extra = ((int128) Max(g->adults - room->base_guests, 0) * room->extra_fee +
				(int128) Max(g->young - spare_beds, 0) * room->child_fee) * n;
	subtotal = p->base + p->extra;
	p->discount = hotel->ndiscounts == 0 ? 0 :
		pricing_percent_of(subtotal, best_discount(hotel, room, plan, stay));
	p->board_fees = (int128) plan->board_fee * g->occupants * n;
	p->fees = hotel->fee_stay +
		(int128) hotel->fee_night * n +
		(int128) hotel->fee_guest_night * g->occupants * n;
	net = subtotal - p->discount + p->board_fees + p->fees;
	p->vat = pricing_percent_of(net, hotel->vat_percent);
	p->city_tax = (int128) hotel->city_tax * g->adults * n;
	p->total = net + p->vat + p->city_tax;
}

/*
 * A line under the totals of an offer of the room under the plan for the
 * party, as a function of the stay's rack price: every total
 * pricing_offer_price gives it is at least *slope * rack + *intercept.  It
 * is the price without its roundings, with the room's largest discount,
 * less what the roundings can take (half a cent each, scaled by the
 * factors after it, at most 2 each: 5.5 cents) and what the floating-point
 * arithmetic can (far below a cent for amounts a double holds exactly).
 * For screening offers by their rack price before their exact price is
 * worked out (calendar.c).
 */
void
pricing_offer_line(const PricingHotel *hotel, const PricingRoom *room,
				   const PricingPlan *plan, int32 occupancy,
				   const PricingStay *stay, const PricingGuests *g,
				   double *slope, double *intercept)
{
	double		n = stay->nights;
	double		spare_beds = Max(room->base_guests - g->adults, 0);
	double		keep = (10000.0 - room->max_discount) / 10000.0;
	double		vat = (10000.0 + hotel->vat_percent) / 10000.0;
	double		extra = (Max(g->adults - room->base_guests, 0) * (double) room->extra_fee +
						 Max(g->young - spare_beds, 0) * (double) room->child_fee) * n;
	double		fees = (double) plan->board_fee * g->occupants * n +
		(double) hotel->fee_stay + (double) hotel->fee_night * n +
		(double) hotel->fee_guest_night * g->occupants * n;

	*slope = (10000.0 + occupancy) / 10000.0 *
		(10000.0 + plan->adjust_percent) / 10000.0 * keep * vat;
	*intercept = (((double) plan->adjust_amount * n + extra) * keep + fees) * vat +
		(double) hotel->city_tax * g->adults * n - 8.0;
}

/*
 * The last day the offer may be cancelled free of charge, or
 * DATEVAL_NOBEGIN when there is none (not refundable, or too late).
 */
DateADT
pricing_free_cancel_until(const PricingPlan *plan, const PricingStay *stay)
{
	int64		until = (int64) stay->checkin - plan->cancel_days;

	if (!plan->refundable || until < stay->booking_date)
		return DATEVAL_NOBEGIN;
	return (DateADT) until;
}

/*
 * Rules 1 to 4 for room r of block b: the first the stay breaks, or
 * PRICING_OFFERED; for no_rate and sold_out, the first such night in
 * *night.  The stay lies inside the window.
 */
PricingReason
pricing_explain_room(const PricingBlock *b, int32 r, const PricingStay *stay,
					 const PricingGuests *g, DateADT *night)
{
	const PricingRoom *room = &b->rooms[r];
	const uint8 *e = pricing_night(b, r, stay->first);
	int32		co = stay->first + stay->nights;

	if (g->occupants > room->max_guests)
		return PRICING_TOO_MANY_GUESTS;
	if (g->infants > room->max_infants)
		return PRICING_TOO_MANY_INFANTS;
	for (int32 d = stay->first; d < co; d++)
		if (!pricing_night_has_rate(b, r, d))
		{
			*night = stay->checkin + (d - stay->first);
			return PRICING_NO_RATE;
		}
	for (int32 d = stay->first; d < co; d++)
		if ((pricing_night(b, r, d)[0] & PRICING_RUN_MAX) == 0)
		{
			*night = stay->checkin + (d - stay->first);
			return PRICING_SOLD_OUT;
		}
	if (e[1] == 0)
		return PRICING_CLOSED_TO_ARRIVAL;
	if (e[1] > stay->nights)
		return PRICING_MIN_STAY;
	if (room->max_stay != NULL && room->max_stay[stay->first] < stay->nights)
		return PRICING_MAX_STAY;
	if (co < stay->ndays && (pricing_night(b, r, co)[0] & PRICING_NIGHT_CTD))
		return PRICING_CLOSED_TO_DEPARTURE;
	Assert(pricing_room_open(b, r, stay));
	return PRICING_OFFERED;
}

/*
 * The best percent among the hotel's discounts that apply to this stay in
 * this room under this plan, in hundredths; discounts never stack.
 */
static inline int32
best_discount(const PricingHotel *hotel, const PricingRoom *room,
			  const PricingPlan *plan, const PricingStay *stay)
{
	int32		best = 0;

	for (int i = 0; i < hotel->ndiscounts; i++)
	{
		const PricingDiscount *d = &hotel->discounts[i];

		if (d->percent <= best)
			continue;
		if (!d->all_rooms && d->room_id != room->room_id)
			continue;
		if (d->plan_id >= 0 && d->plan_id != plan->plan_id)
			continue;
		if (stay->nights < d->min_nights)
			continue;
		if (stay->checkin < d->checkin_from || stay->checkin > d->checkin_to)
			continue;
		if (d->min_days_ahead >= 0 &&
			(int64) stay->checkin - stay->booking_date < d->min_days_ahead)
			continue;
		best = d->percent;
	}
	return best;
}

/*
 * Convert a total in cents from currency index->fx[from] to index->fx[to]:
 * round(total * from.per_unit / to.per_unit, 2), in numeric arithmetic, so
 * that the result is the one SQL gives, rounding of the division included.
 * The few conversions a search makes are of the totals that may enter its
 * result.
 */
bool
pricing_convert(const PricingIndex *index, int32 from, int32 to,
				int128 cents, int128 *converted)
{
	Datum		x;

	if (from < 0 || to < 0)
		return false;
	if (from == to)
	{
		*converted = cents;
		return true;
	}
	x = DirectFunctionCall2(numeric_mul, pricing_cents_numeric(cents),
							NumericGetDatum(index->fx[from].per_unit));
	x = DirectFunctionCall2(numeric_div, x,
							NumericGetDatum(index->fx[to].per_unit));
	x = DirectFunctionCall2(numeric_round, x, Int32GetDatum(2));
	x = DirectFunctionCall2(numeric_mul, x,
							DirectFunctionCall1(int8_numeric, Int64GetDatum(100)));
	*converted = DatumGetInt64(DirectFunctionCall1(numeric_int8, x));
	return true;
}

/*
 * An amount in cents as numeric with scale 2.
 */
Datum
pricing_cents_numeric(int128 cents)
{
	char		buf[64];
	char	   *p = buf + sizeof(buf);
	bool		neg = cents < 0;
	uint128		v;

	if (cents >= PG_INT64_MIN && cents <= PG_INT64_MAX)
		return NumericGetDatum(int64_div_fast_to_numeric((int64) cents, 2));

	/* beyond 64 bits: spell it out; no realistic price gets here */
	v = neg ? -(uint128) cents : (uint128) cents;
	*--p = '\0';
	for (int i = 0; v > 0 || i < 3; i++)
	{
		if (i == 2)
			*--p = '.';
		*--p = '0' + (int) (v % 10);
		v /= 10;
	}
	if (neg)
		*--p = '-';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(p),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}
