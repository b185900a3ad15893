/*-------------------------------------------------------------------------
 *
 * price.c
 *		The price of a stay in one room: the arithmetic of
 *		doc/reference.md ("The price of a stay") in integer cents.
 *
 * Every amount is an exact count of cents; the only divisions are the two
 * roundings the contract names (discount and VAT), done as round half away
 * from zero, which for the non-negative amounts that occur here is
 * (x + 5000) / 10000 on hundredths of a percent.  The arithmetic runs in
 * 128-bit integers: guests, nights and amounts near their column limits
 * multiply past 64 bits, and a wrong total is worse than a slow one.
 *
 * This is the hot path of pricing.cheapest(): no allocation, no lookups,
 * just the room's entries in its block and the hotel's discounts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "pricing.h"

static inline int32 best_discount(const PricingHotel *hotel,
								  const PricingRoom *room,
								  const PricingStay *stay);
static inline int128 percent_of(int128 cents, int32 pct);

/*
 * Price the stay in the hotel's room r (an index into its block), if the
 * room is eligible.  The caller has checked that the stay lies inside the
 * index's window and is at most PRICING_MAX_NIGHTS_LIMIT nights long.
 */
bool
pricing_room_price(const PricingHotel *hotel, int32 r,
				   const PricingStay *stay, PricingPrice *p)
{
	const PricingBlock *b = hotel->block;
	const PricingRoom *room = &b->rooms[r];

	if (stay->guests > room->max_guests || !pricing_room_open(b, r, stay))
		return false;
	pricing_price(hotel, room, pricing_room_base(b, r, stay), stay, p);
	return true;
}

/*
 * The price of the stay in an eligible room whose base price is known
 * (doc/reference.md, "The price of a stay").
 */
void
pricing_price(const PricingHotel *hotel, const PricingRoom *room, int64 base,
			  const PricingStay *stay, PricingPrice *p)
{
	int32		n = stay->nights;
	int128		subtotal;
	int128		net;

	p->base = base;
	p->extra = (int128) Max(stay->guests - room->base_guests, 0) *
		room->extra_fee * n;
	subtotal = p->base + p->extra;
	p->discount = hotel->ndiscounts == 0 ? 0 :
		percent_of(subtotal, best_discount(hotel, room, stay));
	p->fees = hotel->fee_stay +
		(int128) hotel->fee_night * n +
		(int128) hotel->fee_guest_night * stay->guests * n;
	net = subtotal - p->discount + p->fees;
	p->vat = percent_of(net, hotel->vat_percent);
	p->city_tax = (int128) hotel->city_tax * stay->guests * n;
	p->total = net + p->vat + p->city_tax;
}

/*
 * The best percent among the hotel's discounts that apply to this stay in
 * this room, in hundredths; discounts never stack.
 */
static inline int32
best_discount(const PricingHotel *hotel, const PricingRoom *room,
			  const PricingStay *stay)
{
	int32		best = 0;

	for (int i = 0; i < hotel->ndiscounts; i++)
	{
		const PricingDiscount *d = &hotel->discounts[i];

		if (d->percent <= best)
			continue;
		if (!d->all_rooms && d->room_id != room->room_id)
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
 * round(x * pct / 100, 2) with pct in hundredths of a percent, x >= 0.
 * Realistic amounts take the 64-bit path, whose division by a constant the
 * compiler turns into a multiplication; 128-bit division is a libgcc call.
 */
static inline int128
percent_of(int128 cents, int32 pct)
{
	if (cents <= PG_INT64_MAX / 10000)
		return ((int64) cents * pct + 5000) / 10000;
	return (cents * pct + 5000) / 10000;
}
