/*-------------------------------------------------------------------------
 *
 * scan.c
 *		The searches over the index that answer the readers: the best
 *		hotels of a city for pricing.cheapest(), the rooms of a hotel for
 *		pricing.quote().
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
 * keeps: a city of thousands of hotels costs a few dozen visits.  Within a
 * visited hotel, a room that must cost more than that total is not priced,
 * and the next hotels' memory is prefetched while one is priced.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

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
					  int32 min_stars, bool limited, int128 limit, TopK *top);
static inline void offer(TopK *top, const PricingCandidate *cand);
static inline bool costs_more_than(int64 base, int32 max_discount, int64 bound);
static pg_attribute_always_inline void prefetch_visit(const PricingCity *c,
													  const uint64 *order,
													  int32 i,
													  const PricingStay *stay);
static int	topk_sorted(TopK *top, PricingCandidate **rows);
static int	candidate_cmp(Datum a, Datum b, void *arg);
static int	quote_row_cmp(const void *a, const void *b);

/*
 * The best max_results hotels of the city for the stay, with stars >=
 * min_stars and, when limited, a total of at most limit cents: their
 * number, and in *rows (palloc'd) each hotel's cheapest room, by total,
 * then hotel_id.  The stay must lie inside the index's window.
 */
int
pricing_scan_city(const PricingCity *city, const PricingStay *stay,
				  int32 max_results, int32 min_stars, bool limited,
				  int128 limit, PricingCandidate **rows)
{
	TopK		top;

	topk_init(&top, Min(max_results, city->nhotels), limited, limit);
	scan_city(city, stay, min_stars, limited, limit, &top);
	return topk_sorted(&top, rows);
}

/*
 * Every room of the hotel that is eligible for the stay, with its price:
 * their number, and in *rows (palloc'd) the rooms by total, then room_id.
 * The stay must lie inside the index's window.  The rows hold only
 * numbers, so they outlive the pin.
 */
int
pricing_scan_hotel(const PricingHotel *hotel, const PricingStay *stay,
				   PricingQuoteRow **rows)
{
	PricingQuoteRow *found = NULL;
	int			nfound = 0;

	if (hotel->nrooms > 0)
	{
		found = palloc(sizeof(PricingQuoteRow) * hotel->nrooms);
		for (int i = 0; i < hotel->nrooms; i++)
		{
			int32		r = hotel->first_room + i;

			if (pricing_room_price(hotel, r, stay, &found[nfound].price))
				found[nfound++].room_id = hotel->block->rooms[r].room_id;
		}
	}
	if (nfound > 1)
		qsort(found, nfound, sizeof(PricingQuoteRow), quote_row_cmp);
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
 * period (bounds.c), price the rooms that are open for the stay, and offer
 * each hotel's cheapest (lowest room_id on ties: a hotel's rooms come in
 * room_id order).  Once max_results hotels are kept (or max_total bounds
 * the totals), the first hotel that must cost more than the worst of them
 * ends the visit, as every hotel after it does too; and a room that must
 * cost more is not priced.
 */
static void
scan_city(const PricingCity *c, const PricingStay *stay, int32 min_stars,
		  bool limited, int128 limit, TopK *top)
{
	const uint64 *order = pricing_city_order(c, stay->first, stay->nights);
	int32		n = stay->nights;

	for (int32 i = 0; i < c->nhotels; i++)
	{
		const PricingHotel *h;
		const PricingBlock *b;
		PricingCandidate best = {0};
		bool		have = false;

		/* its total, and every later one, is at least n * K - 1 (bounds.c) */
		if (top->bounded &&
			(int64) pricing_order_bound(order[i]) * n - 1 > top->bound)
			break;
		prefetch_visit(c, order, i, stay);
		h = c->hotels[pricing_order_hotel(order[i])];
		if (h->stars < min_stars)
			continue;

		b = h->block;
		for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
		{
			const PricingRoom *room = &b->rooms[r];
			PricingPrice p;
			int64		base;

			if (!pricing_room_open(b, r, stay) || stay->guests > room->max_guests)
				continue;
			base = pricing_room_base(b, r, stay);
			if (top->bounded && costs_more_than(base, room->max_discount, top->bound))
				continue;
			pricing_price(h, room, base, stay, &p);
			if (!have || p.total < best.total)
			{
				best.total = p.total;
				best.hotel = h;
				best.room_id = room->room_id;
				have = true;
			}
		}
		if (have && !(limited && best.total > limit))
			offer(top, &best);

		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
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
 * Whether a room whose base price is base, whose hotel's discounts take at
 * most max_discount hundredths of a percent, must cost more than bound.
 * Extra guests, fees, VAT and city tax only add to a price, so its total
 * is at least base * (1 - max_discount / 100%), less half a cent of
 * rounding.  Answers false when unsure (amounts too large for the check).
 */
static inline bool
costs_more_than(int64 base, int32 max_discount, int64 bound)
{
	if (base >= ((int64) 1 << 40) || bound >= PG_INT64_MAX / 10000 - 1)
		return false;
	return base * (10000 - max_discount) > (bound + 1) * 10000;
}

/*
 * Always inlined: GCC deems a function made of prefetches free of effects,
 * and drops calls to it.
 */
static pg_attribute_always_inline void
prefetch_visit(const PricingCity *c, const uint64 *order, int32 i,
			   const PricingStay *stay)
{
	const PricingHotel *h;
	const PricingBlock *b;
	Size		at;

	if (i + AHEAD < c->nhotels)
		prefetch(&c->hotels[pricing_order_hotel(order[i + AHEAD])]);
	if (i + AHEAD / 2 < c->nhotels)
		prefetch(c->hotels[pricing_order_hotel(order[i + AHEAD / 2])]);
	if (i + 1 < c->nhotels)
	{
		h = c->hotels[pricing_order_hotel(order[i + 1])];
		b = h->block;
		at = (Size) stay->first * b->nrooms + h->first_room;
		prefetch(b->nights + 2 * at);
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

/* quote's order: by total, then room_id */
static int
quote_row_cmp(const void *a, const void *b)
{
	const PricingQuoteRow *x = (const PricingQuoteRow *) a;
	const PricingQuoteRow *y = (const PricingQuoteRow *) b;

	if (x->price.total != y->price.total)
		return x->price.total < y->price.total ? -1 : 1;
	return (x->room_id > y->room_id) - (x->room_id < y->room_id);
}
