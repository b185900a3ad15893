/*-------------------------------------------------------------------------
 *
 * price.c
 *		The price of a stay in one room: SPEC section 2 in integer cents.
 *
 * Every amount is an exact count of cents; the only divisions are the two
 * roundings the contract names (discount and VAT), done as round half away
 * from zero, which for the non-negative amounts that occur here is
 * (x + 5000) / 10000 on hundredths of a percent.  The arithmetic runs in
 * 128-bit integers: guests, nights and amounts near their column limits
 * multiply past 64 bits, and a wrong total is worse than a slow one.
 *
 * This is the hot path of pricing.cheapest(): no allocation, no lookups,
 * just the room's arrays and the hotel's discounts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "pricing.h"

/* round(x * pct / 100, 2) with pct in hundredths of a percent, x >= 0 */
static inline int128
percent_of(int128 cents, int32 pct)
{
	return (cents * pct + 5000) / 10000;
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
 * Price the stay in the room, if the room is eligible (SPEC section 2).
 * The caller has checked that the stay lies inside the index's window and
 * that it is at most PRICING_MAX_NIGHTS_LIMIT nights long.
 */
bool
pricing_room_price(const PricingHotel *hotel, const PricingRoom *room,
				   const PricingStay *stay, PricingPrice *p)
{
	int32		ci = stay->first;
	int32		n = stay->nights;
	int32		arrive;
	int128		subtotal;
	int128		net;

	if (stay->guests > room->max_guests || room->cum == NULL)
		return false;

	/* every night sellable, arrival open, minimum stay met */
	if (room->nights[2 * ci] < n)
		return false;
	arrive = room->nights[2 * ci + 1];
	if (arrive == 0 || arrive > n)
		return false;

	if (room->cum64 != NULL)
		p->base = room->cum64[ci + n] - room->cum64[ci];
	else
		p->base = (uint32) (room->cum[ci + n] - room->cum[ci]);

	p->extra = (int128) Max(stay->guests - room->base_guests, 0) *
		room->extra_fee * n;
	subtotal = p->base + p->extra;
	p->discount = percent_of(subtotal, best_discount(hotel, room, stay));
	p->fees = hotel->fee_stay +
		(int128) hotel->fee_night * n +
		(int128) hotel->fee_guest_night * stay->guests * n;
	net = subtotal - p->discount + p->fees;
	p->vat = percent_of(net, hotel->vat_percent);
	p->city_tax = (int128) hotel->city_tax * stay->guests * n;
	p->total = net + p->vat + p->city_tax;
	return true;
}
