/*-------------------------------------------------------------------------
 *
 * scan.c
 *		The searches over the index that answer the readers: the best
 *		hotels of a city for pricing.search() and pricing.cheapest(), the
 *		offers of a hotel for pricing.offers() and pricing.quote(), and why
 *		a hotel offers nothing, for pricing.explain().
 *
 * The SQL surface (functions.c) checks the arguments, pins the serving
 * generation and turns what these searches find into result rows; the
 * searches themselves only walk the index under that pin.  They run no SQL,
 * allocate nothing in the arena, and return what they find in the
 * backend's own memory.
 *
 * The city search is the hot path of the extension, and a big city has
 * thousands of hotels.  It keeps the best max_results hotels in a bounded
 * binary heap, visits the city's hotels cheapest bound first (bounds.c),
 * and stops at the first hotel whose bound exceeds the worst total it
 * keeps: a city of thousands of hotels costs a few dozen visits.  The next
 * hotels' memory is prefetched while one is priced.
 *
 * A search that asks for a currency ranks hotels by their converted
 * totals, so it visits them in the city's pivot order, whose bounds are in
 * the pivot currency of pricing.exchange_rate; a hotel's best offer is
 * chosen in its own currency and only then converted, exactly as numeric
 * arithmetic does it, and only when it may enter the result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/binaryheap.h"
#include "miscadmin.h"

#include "pricing.h"

/* the best max_results hotels so far, in a bounded max-heap */
typedef struct TopK
{
	binaryheap *heap;
	PricingCandidate *cands;
	int			ncands;
	int			max_results;
	bool		bounded;		/* whether no total above bound can enter */
	int64		bound;
} TopK;

/*
 * Hotels are visited in the order of their bounds, not of their addresses,
 * and each visit chases pointers (hotel, block, the stay's entries in the
 * block's arrays) that are seldom in the cache.  So the scan asks for what
 * it will need a few hotels ahead: the hotel's entry AHEAD visits before
 * it, the hotel itself AHEAD / 2 before, its rooms' entries the visit
 * before that.
 */
#if defined(__GNUC__) || defined(__clang__)
#define prefetch(addr)	__builtin_prefetch(addr)
#else
#define prefetch(addr)	((void) 0)
#endif
#define AHEAD	8

static void topk_init(TopK *top, int max_results, bool limited, int128 limit);
static void scan_city(const PricingCity *c, const PricingStay *stay,
					  const PricingParty *party, const PricingSearch *search,
					  bool limited, int128 limit, TopK *top);
static inline bool plan_wanted(const PricingPlan *plan, const PricingSearch *search,
							   const PricingStay *stay);
static inline void offer(TopK *top, const PricingCandidate *cand);
static pg_attribute_always_inline void prefetch_visit(const PricingCity *c,
													  const uint32 *order,
													  int32 i,
													  const PricingStay *stay);
static int	topk_sorted(TopK *top, PricingCandidate **rows);
static int	candidate_cmp(Datum a, Datum b, void *arg);
static int	offer_row_cmp(const void *a, const void *b);

/*
 * The best max_results hotels of the city for the stay and the party, as
 * the search asks, with, when limited, a total of at most limit cents:
 * their number, and in *rows (palloc'd) each hotel's best offer, by total,
 * then hotel_id.  The stay must lie inside the index's window.
 */
int
pricing_scan_city(const PricingCity *city, const PricingStay *stay,
				  const PricingParty *party, const PricingSearch *search,
				  int32 max_results, bool limited, int128 limit,
				  PricingCandidate **rows)
{
	TopK		top;

	topk_init(&top, Min(max_results, city->nhotels), limited, limit);
	scan_city(city, stay, party, search, limited, limit, &top);
	return topk_sorted(&top, rows);
}

/*
 * Every eligible offer of the hotel for the stay and the party (plan 0's
 * only, for quote), with its price: their number, and in *rows (palloc'd)
 * the offers by total, room_id, plan_id.  The stay must lie inside the
 * index's window.  The rows point at plans in the index: use them under
 * the pin.
 */
int
pricing_scan_hotel(const PricingHotel *h, const PricingStay *stay,
				   const PricingParty *party, bool plan0_only,
				   PricingOfferRow **rows)
{
	const PricingBlock *b = h->block;
	PricingOfferRow *found = NULL;
	int			nfound = 0;
	int			nplans = plan0_only ? 1 : h->nplans;
	PricingGuests g;

	pricing_hotel_guests(h, party, &g);
	if (h->nrooms > 0)
		found = palloc(sizeof(PricingOfferRow) * h->nrooms * nplans);
	for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
	{
		const PricingRoom *room = &b->rooms[r];
		int64		rack;
		int32		occupancy;

		if (!pricing_room_takes(room, &g) || !pricing_room_open(b, r, stay))
			continue;
		rack = pricing_room_base(b, r, stay);
		occupancy = pricing_occupancy_percent(room, g.occupants);
		for (int k = 0; k < nplans; k++)
		{
			const PricingPlan *plan = &h->plans[k];

			if (!pricing_plan_fits(plan, room, stay))
				continue;
			pricing_offer_price(h, room, plan, rack, occupancy, stay, &g,
								&found[nfound].price);
			found[nfound].room_id = room->room_id;
			found[nfound].plan = plan;
			nfound++;
		}
	}
	if (nfound > 1)
		qsort(found, nfound, sizeof(PricingOfferRow), offer_row_cmp);
	*rows = found;
	return nfound;
}

/*
 * Why the hotel offers what it does: a row for every pair of a room and a
 * plan that sells it, by room_id, plan_id, with the first rule the offer
 * breaks (or PRICING_OFFERED).  When !in_window, every night of the stay
 * is not in the index's window.
 */
int
pricing_explain_hotel(const PricingHotel *h, const PricingStay *stay,
					  bool in_window, const PricingParty *party,
					  PricingExplainRow **rows)
{
	const PricingBlock *b = h->block;
	PricingExplainRow *found;
	int			nfound = 0;
	PricingGuests g;

	pricing_hotel_guests(h, party, &g);
	found = palloc(sizeof(PricingExplainRow) * Max(h->nrooms * h->nplans, 1));
	for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
	{
		const PricingRoom *room = &b->rooms[r];
		PricingReason room_reason = PRICING_OUTSIDE_WINDOW;
		DateADT		night = DATEVAL_NOBEGIN;

		if (in_window)
			room_reason = pricing_explain_room(b, r, stay, &g, &night);
		for (int k = 0; k < h->nplans; k++)
		{
			const PricingPlan *plan = &h->plans[k];
			PricingExplainRow *row = &found[nfound];

			if (!plan->all_rooms && plan->room_id != room->room_id)
				continue;
			row->room_id = room->room_id;
			row->plan_id = plan->plan_id;
			row->reason = room_reason;
			row->night = night;
			if (room_reason == PRICING_OFFERED)
				row->reason = pricing_explain_plan(plan, stay);
			nfound++;
		}
	}
	*rows = found;
	return nfound;
}

/*
 * An empty heap for the best max_results hotels; max_total, when given
 * (limited), bounds the totals from the start.
 */
static void
topk_init(TopK *top, int max_results, bool limited, int128 limit)
{
	top->max_results = max_results;
	top->cands = palloc(sizeof(PricingCandidate) * Max(max_results, 1));
	top->heap = binaryheap_allocate(Max(max_results, 1), candidate_cmp, NULL);
	top->ncands = 0;
	top->bounded = limited;
	top->bound = limited ? (int64) Min(limit, PG_INT64_MAX) : 0;
}

/*
 * Visit the city's hotels in the order of their lower bounds for the stay's
 * period (bounds.c) and offer each hotel's best offer.  Once max_results
 * hotels are kept (or max_total bounds the totals), the first hotel that
 * must cost more than the worst of them ends the visit, as every hotel
 * after it does too.
 */
static void
scan_city(const PricingCity *c, const PricingStay *stay,
		  const PricingParty *party, const PricingSearch *search,
		  bool limited, int128 limit, TopK *top)
{
	const uint32 *order = pricing_city_order(c, pricing_order_set(c, search, party),
											 stay->first, stay->nights);

	for (int32 i = 0; i < c->nhotels; i++)
	{
		const PricingHotel *h;
		PricingCandidate best;

		if (pricing_past_bound(top->bounded, top->bound, search,
							   pricing_order_bound(order[i], c->posbits),
							   stay->nights))
			break;
		prefetch_visit(c, order, i, stay);
		h = c->hotels[pricing_order_hotel(order[i], c->posbits)];
		if (h->stars < search->min_stars)
			continue;

		if (pricing_hotel_best(h, stay, party, search, top->bounded, top->bound,
							   &best) &&
			(search->fx < 0 ||
			 pricing_convert_best(search, top->bounded, top->bound, &best)) &&
			!(limited && best.total > limit))
			offer(top, &best);

		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * The tightest set of orders that holds for the search.  In any hotel of
 * the city, a party counts as occupants at least its adults and its
 * children too old to be infants in any of the city's hotels.
 */
PricingOrderSet
pricing_order_set(const PricingCity *c, const PricingSearch *search,
				  const PricingParty *party)
{
	int32		occupants = party->adults + party->nchildren -
		party->below[c->max_infant_age];
	bool		pair = occupants >= 2;

	if (search->fx >= 0)
		return occupants >= 3 ? PRICING_ORDERS_PIVOT_TRIO :
			pair ? PRICING_ORDERS_PIVOT_PAIR : PRICING_ORDERS_PIVOT_ANY;
	if (search->plan0_only && pair)
		return PRICING_ORDERS_PLAN0_PAIR;
	return PRICING_ORDERS_ANY;
}

/*
 * The hotel's best offer for the stay, by its total in the hotel's own
 * currency (ties: lowest room_id, then plan_id): false when it has none.
 * When bounded, a search can take only totals of at most bound (in its
 * currency): offers that must cost more are not priced, and false also
 * means that none can cost so little.
 */
bool
pricing_hotel_best(const PricingHotel *h, const PricingStay *stay,
				   const PricingParty *party, const PricingSearch *search,
				   bool bounded, int64 bound, PricingCandidate *best)
{
	const PricingBlock *b = h->block;
	int			nplans = search->plan0_only ? 1 : h->nplans;
	bool		have = false;
	int128		limit = pricing_hotel_limit(h, search, bounded, bound);
	PricingGuests g;

	pricing_hotel_guests(h, party, &g);
	for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
	{
		const PricingRoom *room = &b->rooms[r];
		int64		rack;
		int32		occupancy = 0;

		if (!pricing_room_takes(room, &g) || !pricing_room_open(b, r, stay))
			continue;
		rack = pricing_room_base(b, r, stay);
		if (room->nocc > 0)
			occupancy = pricing_occupancy_percent(room, g.occupants);
		for (int k = 0; k < nplans; k++)
		{
			const PricingPlan *plan = &h->plans[k];
			PricingPrice p;

			if (!plan_wanted(plan, search, stay) ||
				!pricing_plan_fits(plan, room, stay))
				continue;
			if (have || limit >= 0)
			{
				int64		floor = pricing_offer_floor(h, room, plan,
														pricing_offer_base(plan, rack, occupancy,
																		   stay->nights),
														stay, &g);

				/* it cannot beat the hotel's best, nor enter the search */
				if ((have && floor >= best->total) || (limit >= 0 && floor > limit))
					continue;
			}
			pricing_offer_price(h, room, plan, rack, occupancy, stay, &g, &p);
			if (!have || p.total < best->total)
			{
				best->total = p.total;
				best->hotel = h;
				best->plan = plan;
				best->room_id = room->room_id;
				have = true;
			}
		}
	}
	return have;
}

/*
 * The total in the hotel's currency above which none of its offers can
 * beat a bound on the search's totals (the worst total the search keeps):
 * -1 when there is none.  Converted totals are rounded to the cent, so an
 * offer converts to more than bound when it costs more than (bound + 1) /
 * rate; the floating-point arithmetic errs high, and amounts too large for
 * it get no limit.
 */
int128
pricing_hotel_limit(const PricingHotel *h, const PricingSearch *search,
					bool bounded, int64 bound)
{
	const PricingExchange *fx = search->index->fx;
	double		limit;

	if (!bounded || bound < 0)
		return -1;
	if (search->fx < 0 || h->fx == search->fx)
		return bound;
	if (h->fx < 0 || bound >= ((int64) 1 << 40))
		return -1;
	limit = ceil((double) (bound + 1) * fx[search->fx].approx /
				 fx[h->fx].approx * (1.0 + 1e-9));
	return limit < (double) ((int64) 1 << 50) ? (int128) (int64) limit : -1;
}

/* whether the search wants offers of this plan, whatever the room */
static inline bool
plan_wanted(const PricingPlan *plan, const PricingSearch *search,
			const PricingStay *stay)
{
	if (plan->board < search->min_board)
		return false;
	return !search->free_cancellation ||
		pricing_free_cancel_until(plan, stay) != DATEVAL_NOBEGIN;
}

/*
 * Convert a hotel's best total to the requested currency: false when its
 * currency has no exchange rate, or when, bounded, even the least the
 * conversion can give would exceed bound (spared the exact conversion).
 */
bool
pricing_convert_best(const PricingSearch *search, bool bounded, int64 bound,
					 PricingCandidate *cand)
{
	const PricingExchange *fx = search->index->fx;
	int32		from = cand->hotel->fx;

	if (from < 0)
		return false;
	if (from == search->fx)
		return true;
	if (bounded &&
		(double) cand->total * fx[from].approx / fx[search->fx].approx *
		(1.0 - 1e-9) - 1.0 > (double) bound)
		return false;
	return pricing_convert(search->index, from, search->fx, cand->total,
						   &cand->total);
}

/*
 * Offer a hotel's best price to the bounded heap of the best max_results.
 */
static inline void
offer(TopK *top, const PricingCandidate *cand)
{
	if (top->ncands < top->max_results)
	{
		top->cands[top->ncands] = *cand;
		binaryheap_add(top->heap, PointerGetDatum(&top->cands[top->ncands]));
		top->ncands++;
	}
	else
	{
		PricingCandidate *worst = (PricingCandidate *) DatumGetPointer(binaryheap_first(top->heap));

		if (candidate_cmp(PointerGetDatum(cand), PointerGetDatum(worst), NULL) >= 0)
			return;
		*worst = *cand;
		binaryheap_replace_first(top->heap, PointerGetDatum(worst));
	}

	/* full: nothing dearer than the worst kept row can enter any more */
	if (top->ncands == top->max_results)
	{
		const PricingCandidate *worst = (const PricingCandidate *) DatumGetPointer(binaryheap_first(top->heap));

		top->bounded = true;
		top->bound = worst->total > PG_INT64_MAX ? PG_INT64_MAX : (int64) worst->total;
	}
}

/*
 * Always inlined: GCC deems a function made of prefetches free of effects,
 * and drops calls to it.
 */
static pg_attribute_always_inline void
prefetch_visit(const PricingCity *c, const uint32 *order, int32 i,
			   const PricingStay *stay)
{
	const PricingHotel *h;
	const PricingBlock *b;
	Size		at;

	if (i + AHEAD < c->nhotels)
		prefetch(&c->hotels[pricing_order_hotel(order[i + AHEAD], c->posbits)]);
	if (i + AHEAD / 2 < c->nhotels)
		prefetch(c->hotels[pricing_order_hotel(order[i + AHEAD / 2], c->posbits)]);
	if (i + 1 < c->nhotels)
	{
		h = c->hotels[pricing_order_hotel(order[i + 1], c->posbits)];
		b = h->block;
		at = (Size) stay->first * b->nrooms + h->first_room;
		prefetch(b->nights + PRICING_NIGHT_BYTES * at);
		prefetch(b->nights + PRICING_NIGHT_BYTES * (at + (Size) stay->nights * b->nrooms));
		prefetch(&b->rooms[h->first_room]);
		prefetch(&b->cum[at]);
		prefetch(&b->cum[at + (Size) stay->nights * b->nrooms]);
	}
}

/*
 * Empty the heap into *rows, best first: it pops the worst first, so the
 * array fills from its end.
 */
static int
topk_sorted(TopK *top, PricingCandidate **rows)
{
	PricingCandidate *sorted = palloc(sizeof(PricingCandidate) * Max(top->ncands, 1));

	for (int i = top->ncands - 1; i >= 0; i--)
		sorted[i] = *(PricingCandidate *) DatumGetPointer(binaryheap_remove_first(top->heap));
	*rows = sorted;
	return top->ncands;
}

/* max-heap order on (total, hotel_id): the top is the worst kept row */
static int
candidate_cmp(Datum a, Datum b, void *arg)
{
	const PricingCandidate *x = (const PricingCandidate *) DatumGetPointer(a);
	const PricingCandidate *y = (const PricingCandidate *) DatumGetPointer(b);

	if (x->total != y->total)
		return x->total < y->total ? -1 : 1;
	if (x->hotel->hotel_id != y->hotel->hotel_id)
		return x->hotel->hotel_id < y->hotel->hotel_id ? -1 : 1;
	return 0;
}

/* the order of offers and quote: by total, room_id, plan_id */
static int
offer_row_cmp(const void *a, const void *b)
{
	const PricingOfferRow *x = (const PricingOfferRow *) a;
	const PricingOfferRow *y = (const PricingOfferRow *) b;

	if (x->price.total != y->price.total)
		return x->price.total < y->price.total ? -1 : 1;
	if (x->room_id != y->room_id)
		return x->room_id < y->room_id ? -1 : 1;
	return (x->plan->plan_id > y->plan->plan_id) - (x->plan->plan_id < y->plan->plan_id);
}
