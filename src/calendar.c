/*-------------------------------------------------------------------------
 *
 * calendar.c
 *		A city's price calendar from one pass over the index: for every
 *		check-in date of a range, the number of hotels with an offer and the
 *		best of them, for pricing.calendar().
 *
 * Each row of a calendar is what pricing.search(..., max_results => 1)
 * gives for its date, plus the number of hotels search would return
 * without a limit.  Asked date by date, that is a search per date, each
 * visiting the city's hotels cheapest bound first, and a count per date
 * looking at every hotel.  Done here, the dates share the work:
 *
 * 1. Availability, hotel by hotel, up to 64 dates at once as a bit mask.
 *    What depends on the hotel alone (its guests, the rooms the party
 *    fits) and what depends on a plan alone (its restrictions make an
 *    interval of check-in dates) is worked out once per hotel; a room is
 *    then looked at only on the dates some plan sells it and no other room
 *    of the hotel already offers something.  The masks are kept, one per
 *    hotel, and summed into the dates' counts a byte per date at a time.
 *
 * 2. The best hotel of each date.  Dates whose stays share a scan order
 *    (bounds.c: the period of their check-in, or the whole window for long
 *    stays) walk it together, once: a visited hotel is priced for each date
 *    of the walk on which it has an offer (its mask says which, so hotels
 *    without one are passed over unpriced), and a date leaves the walk at
 *    the first hotel whose bound exceeds its best total, exactly where
 *    search's own walk would stop.  The walk ends when every date has left.
 *
 * So a date's row is search's row by construction: the same hotels are
 * priced by the same code (scan.c), in the same order, against the same
 * bounds, and ties go to the lowest hotel_id as there.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "port/pg_bswap.h"

#include "pricing.h"

/* SSE2 is part of every x86-64 processor */
#if defined(__x86_64__) || defined(_M_AMD64)
#include <emmintrin.h>
#define USE_SSE2
#endif

#if defined(__GNUC__) || defined(__clang__)
#define prefetch(addr)	__builtin_prefetch(addr)
#else
#define prefetch(addr)	((void) 0)
#endif

/* dates handled at once: the bits of a mask */
#define CHUNK_DATES		64

/*
 * A hotel's offers are screened (screen_hotel) when it has at most this
 * many, and amounts below SCREEN_MAX cents, which doubles hold exactly
 * enough.
 */
#define SCREEN_OFFERS	32
#define SCREEN_MAX		((int64) 1 << 40)

/* an offer being screened: a room, the dates a plan sells it, its line */
typedef struct ScreenOffer
{
	int32		r;
	uint64		dates;
	double		slope;
	double		intercept;
} ScreenOffer;

/* a chunk of at most CHUNK_DATES consecutive check-in dates */
typedef struct CalendarChunk
{
	const PricingCity *city;
	const PricingParty *party;
	const PricingSearch *search;
	PricingStay stay;			/* the stay of the chunk's first date */
	int32		ndates;
	uint64		valid;			/* dates whose stay lies in the window */
} CalendarChunk;

/*
 * The rooms of a block as bitmaps, a bit per room, for the count: which
 * rooms sell on every date a plan allows, which begin and end a hotel; and
 * the rooms that sell on some dates only, or must be looked at one by one.
 */
typedef struct BlockRooms
{
	int32		nwords;
	uint64	   *sells;			/* a plan sells the room on every valid date */
	uint64	   *starts;			/* the first room of a hotel */
	uint64	   *ends;			/* the last room of a hotel */
	uint64	   *row;			/* scratch: the rooms with an offer on a date */
	int32		nsome;			/* rooms with dates of their own: */
	int32	   *some;			/* the room, */
	uint64	   *some_dates;		/* and the dates it sells (or is open) on */
	uint64		dates;			/* the dates any room sells on */
} BlockRooms;

static void count_chunk(const CalendarChunk *chunk, int32 *counts);
static void block_rooms(const CalendarChunk *chunk, const PricingBlock *b,
						BlockRooms *br);
static void prefetch_rows(const CalendarChunk *chunk, const PricingBlock *b);
static inline bool brief_says_all(const CalendarChunk *chunk,
								  const PricingBrief *brief);
static void brief_rooms(const CalendarChunk *chunk, const PricingBlock *b,
						const PricingBrief *brief, int32 r, int32 nrooms,
						BlockRooms *br);
static void hotel_rooms(const CalendarChunk *chunk, const PricingHotel *h,
						BlockRooms *br);
static uint64 room_open_dates(const CalendarChunk *chunk,
							  const PricingBlock *b, int32 r, uint64 dates);
static int32 count_date(const CalendarChunk *chunk, const PricingBlock *b,
						BlockRooms *br, int i);
static pg_attribute_always_inline uint64 open_word(const uint8 *row,
												  const uint8 *out,
												  int32 nrooms, int32 r,
												  int32 n);
#ifdef USE_SSE2
static pg_attribute_always_inline __m128i open_rooms_sse2(const uint8 *row,
														  const uint8 *out,
														  int32 n);
#endif
static inline uint64 open_rooms(uint64 x, uint64 y, int32 n);
static inline uint64 load_rooms(const uint8 *entries, int32 nrooms, int32 r);
static uint64 plan_dates(const CalendarChunk *chunk, const PricingPlan *plan);
static uint64 date_range(int64 lo, int64 hi, int32 ndates);
static void best_chunk(const CalendarChunk *chunk, const int32 *counts,
					   PricingCandidate *best);
static void walk_order(const CalendarChunk *chunk, const uint32 *order,
					   uint64 dates, PricingCandidate *best);
static uint64 screen_hotel(const CalendarChunk *chunk, const PricingHotel *h,
						   uint64 dates, uint64 priced,
						   const PricingCandidate *best);
static pg_attribute_always_inline void prefetch_visit(const CalendarChunk *chunk,
													  const PricingHotel *h,
													  uint64 dates);
static inline bool better(const PricingCandidate *a, const PricingCandidate *b);

/*
 * For each of ndates check-in dates from stay->checkin on (stay->first its
 * night in the window, possibly outside it), the number of the city's
 * hotels that pricing.search() without a limit would return for a stay of
 * stay->nights nights, in counts[], and the first row it would return, in
 * best[] (best[i].hotel NULL when none).  Dates whose stay leaves the
 * window have neither.
 */
void
pricing_calendar_city(const PricingCity *c, const PricingStay *stay,
					  int32 ndates, const PricingParty *party,
					  const PricingSearch *search, int32 *counts,
					  PricingCandidate *best)
{
	CalendarChunk chunk;

	chunk.city = c;
	chunk.party = party;
	chunk.search = search;
	for (int32 at = 0; at < ndates; at += CHUNK_DATES)
	{
		chunk.stay = *stay;
		chunk.stay.first = stay->first + at;
		chunk.stay.checkin = stay->checkin + at;
		chunk.ndates = Min(ndates - at, CHUNK_DATES);
		chunk.valid = date_range(-(int64) chunk.stay.first,
								 (int64) stay->ndays - stay->nights -
								 chunk.stay.first, chunk.ndates);
		count_chunk(&chunk, counts + at);
		best_chunk(&chunk, counts + at, best + at);
	}
}

/*
 * Step 1: the number of the city's hotels with an offer on each date of the
 * chunk, into counts[].
 *
 * The blocks keep their rooms' nights night-major: a night's entries of all
 * a block's rooms are adjacent.  So each date is counted a block at a time,
 * reading the entries of the date's check-in night and of its check-out
 * night in order, several rooms in a machine word; first the rooms are
 * told which dates any plan may sell them on, hotel by hotel.
 */
static void
count_chunk(const CalendarChunk *chunk, int32 *counts)
{
	const PricingCity *c = chunk->city;

	memset(counts, 0, sizeof(int32) * chunk->ndates);
	for (int32 k = 0; k < c->nblocks && chunk->valid != 0; k++)
	{
		const PricingBlock *b = c->blocks[k];
		BlockRooms	br;

		block_rooms(chunk, b, &br);
		for (uint64 dates = br.dates; dates != 0; dates &= dates - 1)
		{
			int			i = pg_rightmost_one_pos64(dates);

			counts[i] += count_date(chunk, b, &br, i);
		}
		pfree(br.sells);
		pfree(br.some);
		pfree(br.some_dates);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * The rooms of block b as the count sees them (BlockRooms), hotel by hotel.
 */
static void
block_rooms(const CalendarChunk *chunk, const PricingBlock *b, BlockRooms *br)
{
	br->nwords = (b->nrooms + 63) / 64;
	br->sells = palloc0(sizeof(uint64) * 4 * Max(br->nwords, 1));
	br->starts = br->sells + br->nwords;
	br->ends = br->starts + br->nwords;
	br->row = br->ends + br->nwords;
	br->some = palloc(sizeof(int32) * Max(b->nrooms, 1));
	br->some_dates = palloc(sizeof(uint64) * Max(b->nrooms, 1));
	br->nsome = 0;
	br->dates = 0;

	prefetch_rows(chunk, b);
	for (int32 k = 0, r = 0; k < b->nhotels; k++)
	{
		const PricingBrief *brief = &b->briefs[k];
		int32		nrooms = brief->nrooms;

		if (brief->flags & PRICING_BRIEF_LOOK)
			nrooms = b->hotels[k].nrooms;
		if (nrooms == 0)
			continue;
		br->starts[r / 64] |= (uint64) 1 << (r % 64);
		br->ends[(r + nrooms - 1) / 64] |= (uint64) 1 << ((r + nrooms - 1) % 64);
		if (brief_says_all(chunk, brief))
			brief_rooms(chunk, b, brief, r, nrooms, br);
		else
			hotel_rooms(chunk, &b->hotels[k], br);
		r += nrooms;
	}
}

/*
 * Whether the hotel's brief tells all the count needs: plan 0 sells every
 * room on every date, and the search wants it.
 */
static inline bool
brief_says_all(const CalendarChunk *chunk, const PricingBrief *brief)
{
	return (brief->flags & (PRICING_BRIEF_OPEN | PRICING_BRIEF_LOOK)) == PRICING_BRIEF_OPEN &&
		brief->plan0_board >= chunk->search->min_board &&
		!chunk->search->free_cancellation;
}

/*
 * Enter the nrooms rooms from room r on of a hotel whose brief says all
 * (brief_says_all) into br: plan 0 sells those that take the party on
 * every valid date.  As hotel_rooms, from the briefs alone.
 */
static void
brief_rooms(const CalendarChunk *chunk, const PricingBlock *b,
			const PricingBrief *brief, int32 r, int32 nrooms, BlockRooms *br)
{
	const PricingSearch *search = chunk->search;
	const PricingParty *party = chunk->party;
	int32		infants = party->below[brief->infant_age];
	int32		occupants = party->adults + party->nchildren - infants;

	if (brief->stars < search->min_stars ||
		(search->fx >= 0 && !(brief->flags & PRICING_BRIEF_FX)))
		return;
	for (int32 s = r; s < r + nrooms; s++)
	{
		uint16		rb = b->room_briefs[s];
		int32		max_guests = rb & 0xFF;
		int32		max_infants = (rb >> 8) & 0x7F;

		/* saturated: the room has the exact numbers */
		if (unlikely(max_guests == 0xFF || max_infants == 0x7F))
		{
			max_guests = b->rooms[s].max_guests;
			max_infants = b->rooms[s].max_infants;
		}
		if (occupants > max_guests || infants > max_infants)
			continue;
		br->dates |= chunk->valid;
		if (unlikely((rb & PRICING_ROOM_BRIEF_SLOW) ||
					 chunk->stay.nights > PRICING_RUN_MAX))
		{
			br->some[br->nsome] = s;
			br->some_dates[br->nsome++] = room_open_dates(chunk, b, s, chunk->valid);
		}
		else
			br->sells[s / 64] |= (uint64) 1 << (s % 64);
	}
}

/*
 * Ask for the first lines of the block's rows that the count will read,
 * those of the chunk's nights and check-out nights, while the rooms are
 * looked at: a small city's rows are a line or two each, which the
 * processor does not see coming; a big city's are long, and once read in
 * order it fetches the rest itself.
 */
static void
prefetch_rows(const CalendarChunk *chunk, const PricingBlock *b)
{
	Size		len = Min((Size) PRICING_NIGHT_BYTES * b->nrooms, 512);
	int32		from = Max(chunk->stay.first, 0);
	int32		to = Min(chunk->stay.first + chunk->ndates + chunk->stay.nights,
						 chunk->stay.ndays);

	for (int32 d = from; d < to; d++)
	{
		const char *row = (const char *) b->nights +
		PRICING_NIGHT_BYTES * (Size) d * b->nrooms;

		for (Size at = 0; at < len; at += 64)
			prefetch(row + at);
	}
}

/*
 * Enter the rooms of hotel h into br: the dates on which a plan the search
 * wants may sell each to the party (none when the hotel has too few stars
 * or no converted price, or the room does not take the party).  A room that
 * sells on every valid date goes into br->sells; one that sells on some
 * only into br->some.  So do the few rooms that pricing_room_open must
 * look at more closely (those with maximum stays, and stays longer than a
 * saturated run), with the dates they are open on, looked at here.
 */
static void
hotel_rooms(const CalendarChunk *chunk, const PricingHotel *h, BlockRooms *br)
{
	const PricingSearch *search = chunk->search;
	const PricingBlock *b = h->block;
	int			nplans = search->plan0_only ? 1 : h->nplans;
	uint64		few[16];
	uint64	   *plans = few;
	uint64		all = 0;
	PricingGuests g;

	if (h->stars < search->min_stars || (search->fx >= 0 && h->fx < 0))
		return;

	/* what each plan allows, whatever the room */
	if (nplans > lengthof(few))
		plans = palloc(sizeof(uint64) * nplans);
	for (int q = 0; q < nplans; q++)
	{
		plans[q] = plan_dates(chunk, &h->plans[q]) & chunk->valid;
		all |= plans[q];
	}

	pricing_hotel_guests(h, chunk->party, &g);
	for (int32 r = h->first_room; r < h->first_room + h->nrooms && all != 0; r++)
	{
		const PricingRoom *room = &b->rooms[r];
		uint64		sells = 0;

		if (!pricing_room_takes(room, &g))
			continue;
		for (int q = 0; q < nplans; q++)
			if (h->plans[q].all_rooms || h->plans[q].room_id == room->room_id)
				sells |= plans[q];
		if (sells == 0)
			continue;
		br->dates |= sells;
		if (unlikely(room->max_stay != NULL || chunk->stay.nights > PRICING_RUN_MAX))
		{
			br->some[br->nsome] = r;
			br->some_dates[br->nsome++] = room_open_dates(chunk, b, r, sells);
		}
		else if (sells == chunk->valid)
			br->sells[r / 64] |= (uint64) 1 << (r % 64);
		else
		{
			br->some[br->nsome] = r;
			br->some_dates[br->nsome++] = sells;
		}
	}
	if (plans != few)
		pfree(plans);
}

/* which of these dates room r of block b is open on, date by date */
static uint64
room_open_dates(const CalendarChunk *chunk, const PricingBlock *b, int32 r,
				uint64 dates)
{
	PricingStay stay = chunk->stay;
	uint64		open = 0;

	while (dates != 0)
	{
		int			i = pg_rightmost_one_pos64(dates);

		dates &= dates - 1;
		stay.first = chunk->stay.first + i;
		if (pricing_room_open(b, r, &stay))
			open |= (uint64) 1 << i;
	}
	return open;
}

/*
 * The number of hotels of block b with an offer on date i of the chunk.
 *
 * First the bitmap of the rooms with an offer: those that sell that date
 * and are open for the stay (pricing_room_open, 64 rooms at a time), and
 * those with dates of their own.  Then the hotels with a room in it.  A
 * hotel's rooms are adjacent bits, from a bit of starts to one of ends; in
 * A, the rooms without an offer but the last, adding the hotel's start bit
 * carries up through the rooms without an offer and stops at the first
 * with one, or at the hotel's last room.  So the sum has, in each hotel,
 * one bit that A lacks: on a room with an offer exactly when the hotel has
 * one.  The carry runs from word to word as a hotel's rooms may.
 */
static int32
count_date(const CalendarChunk *chunk, const PricingBlock *b, BlockRooms *br,
		   int i)
{
	int32		first = chunk->stay.first + i;
	int32		n = chunk->stay.nights;
	const uint8 *row = b->nights + PRICING_NIGHT_BYTES * (Size) first * b->nrooms;
	const uint8 *out = NULL;
	int32		count = 0;
	bool		carry = false;

	if (first + n < chunk->stay.ndays)
		out = b->nights + PRICING_NIGHT_BYTES * (Size) (first + n) * b->nrooms;

	for (int32 w = 0; w < br->nwords; w++)
	{
		if (br->sells[w] == 0)
			br->row[w] = 0;
		else if (out != NULL)
			br->row[w] = open_word(row, out, b->nrooms, w * 64, n) & br->sells[w];
		else
			br->row[w] = open_word(row, NULL, b->nrooms, w * 64, n) & br->sells[w];
	}
	for (int32 k = 0; k < br->nsome; k++)
		if ((br->some_dates[k] >> i) & 1)
		{
			int32		r = br->some[k];
			PricingStay stay = chunk->stay;

			stay.first = first;
			if (b->rooms[r].max_stay != NULL || n > PRICING_RUN_MAX ||
				pricing_room_open(b, r, &stay))
				br->row[r / 64] |= (uint64) 1 << (r % 64);
		}

	for (int32 w = 0; w < br->nwords; w++)
	{
		uint64		x = br->row[w];
		uint64		a = ~x & ~br->ends[w];
		uint64		sum = a + br->starts[w] + (carry ? 1 : 0);

		/* no word begins with a carry and a hotel's start bit: no overflow */
		carry = sum < a;
		count += pg_popcount64(sum & ~a & x);
	}
	return count;
}

/*
 * Which of the 64 rooms from room r on are open for a stay of n nights whose
 * check-in night's entries are row and check-out night's out (NULL: the
 * window's end), as a bitmap.  Always inlined, so that each call has its
 * own loop without the test of out, and whole words their own, unrolled.
 */
static pg_attribute_always_inline uint64
open_word(const uint8 *row, const uint8 *out, int32 nrooms, int32 r, int32 n)
{
	uint64		open = 0;

	if (r + 64 <= nrooms)
	{
#ifdef USE_SSE2
		for (int32 q = 0; q < 64; q += 16)
		{
			const uint8 *at = row + PRICING_NIGHT_BYTES * (r + q);
			const uint8 *co = out ? out + PRICING_NIGHT_BYTES * (r + q) : NULL;
			__m128i		ok = _mm_packs_epi16(open_rooms_sse2(at, co, n),
											 open_rooms_sse2(at + 16, co ? co + 16 : NULL, n));

			open |= (uint64) (uint32) _mm_movemask_epi8(ok) << q;
		}
#else
		for (int32 q = 0; q < 64; q += 4)
		{
			uint64		x,
						y = 0;

			memcpy(&x, row + PRICING_NIGHT_BYTES * (r + q), sizeof(x));
			if (out != NULL)
				memcpy(&y, out + PRICING_NIGHT_BYTES * (r + q), sizeof(y));
#ifdef WORDS_BIGENDIAN
			x = pg_bswap64(x);
			y = pg_bswap64(y);
#endif
			open |= open_rooms(x, y, n) << q;
		}
#endif
		return open;
	}
	for (int32 q = 0; r + q < nrooms; q += 4)
	{
		uint64		x = load_rooms(row, nrooms, r + q);
		uint64		y = out != NULL ? load_rooms(out, nrooms, r + q) : 0;

		open |= open_rooms(x, y, n) << q;
	}
	return open;
}

#ifdef USE_SSE2
/*
 * open_rooms for eight rooms, with SSE2, which every x86-64 processor has:
 * a 16-bit lane per room, all ones when it is open.
 */
static pg_attribute_always_inline __m128i
open_rooms_sse2(const uint8 *row, const uint8 *out, int32 n)
{
	__m128i		x = _mm_loadu_si128((const __m128i *) row);
	__m128i		run = _mm_and_si128(x, _mm_set1_epi16(PRICING_RUN_MAX));
	__m128i		min_stay = _mm_srli_epi16(x, 8);
	__m128i		ok;

	ok = _mm_and_si128(_mm_cmpgt_epi16(run, _mm_set1_epi16(n - 1)),
					   _mm_cmpgt_epi16(min_stay, _mm_setzero_si128()));
	ok = _mm_and_si128(ok, _mm_cmplt_epi16(min_stay, _mm_set1_epi16(n + 1)));
	if (out != NULL)
	{
		__m128i		y = _mm_loadu_si128((const __m128i *) out);

		ok = _mm_andnot_si128(_mm_cmpeq_epi16(_mm_and_si128(y, _mm_set1_epi16(PRICING_NIGHT_CTD)),
											  _mm_set1_epi16(PRICING_NIGHT_CTD)),
							  ok);
	}
	return ok;
}
#endif

/*
 * Of four rooms whose night entries are x, and whose check-out night's
 * entries are y (zero when the stay checks out on the window's last night),
 * which are open for a stay of n nights (at most PRICING_RUN_MAX): bits 0
 * to 3.  The entries are 16-bit lanes, the run (and closed departure) in
 * the low byte, the arrival's minimum stay in the high one; a lane's top
 * bit is set when its test passes, without borrowing from the next lane.
 */
static inline uint64
open_rooms(uint64 x, uint64 y, int32 n)
{
	const uint64 lanes = UINT64CONST(0x0001000100010001);
	const uint64 top = UINT64CONST(0x8000800080008000);
	uint64		run,
				min_stay,
				ok;

	run = x & (lanes * PRICING_RUN_MAX);
	min_stay = (x >> 8) & (lanes * 0xFF);
	ok = (run + lanes * (0x8000 - n)) &		/* run >= n */
		(min_stay + lanes * 0x7FFF) &	/* arrival open: min_stay >= 1 */
		(lanes * (0x8000 + n) - min_stay) & /* min_stay <= n */
		~(y << 8) &				/* departure open */
		top;
	/* gather the four top bits into bits 0 .. 3 */
	return (((ok >> 15) * (((uint64) 1 << 45) | ((uint64) 1 << 30) |
						   ((uint64) 1 << 15) | 1)) >> 45) & 0xF;
}

/*
 * The night entries of rooms r .. r + 3 of a block's night, as a word,
 * little-endian; rooms past the block's last are zero (not open).
 */
static inline uint64
load_rooms(const uint8 *entries, int32 nrooms, int32 r)
{
	uint8		bytes[4 * PRICING_NIGHT_BYTES] = {0};
	uint64		x;

	if (r + 4 <= nrooms)
		memcpy(bytes, entries + PRICING_NIGHT_BYTES * r, sizeof(bytes));
	else
		memcpy(bytes, entries + PRICING_NIGHT_BYTES * r,
			   PRICING_NIGHT_BYTES * (nrooms - r));
	memcpy(&x, bytes, sizeof(x));
#ifdef WORDS_BIGENDIAN
	x = pg_bswap64(x);
#endif
	return x;
}

/*
 * The chunk's dates on which the plan may sell a room to the search: those
 * whose stays meet its restrictions (pricing_explain_plan) and that the
 * search wants of it (board, and free cancellation when asked).  Each
 * restriction that depends on the date bounds it from one side, as the
 * stay checks in later and later against the same booking date: the dates
 * are one interval.
 */
static uint64
plan_dates(const CalendarChunk *chunk, const PricingPlan *plan)
{
	const PricingStay *stay = &chunk->stay;
	int64		ahead = (int64) stay->checkin - stay->booking_date;
	int64		lo = 0;
	int64		hi = chunk->ndates - 1;

	if (plan->board < chunk->search->min_board ||
		stay->nights < plan->min_stay || stay->nights > plan->max_stay)
		return 0;
	/* the date i days after the chunk's first is booked ahead + i days ahead */
	if (plan->min_days_ahead >= 0)
		lo = Max(lo, plan->min_days_ahead - ahead);
	if (plan->max_days_ahead >= 0)
		hi = Min(hi, plan->max_days_ahead - ahead);
	/* refundable until checkin + i - cancel_days, which must not be past */
	if (chunk->search->free_cancellation)
	{
		if (!plan->refundable)
			return 0;
		lo = Max(lo, (int64) stay->booking_date + plan->cancel_days -
				 stay->checkin);
	}
	return date_range(lo, hi, chunk->ndates);
}

/* the dates lo .. hi of a chunk of ndates, as a mask */
static uint64
date_range(int64 lo, int64 hi, int32 ndates)
{
	uint64		mask;

	lo = Max(lo, 0);
	hi = Min(hi, ndates - 1);
	if (lo > hi)
		return 0;
	mask = hi == 63 ? ~(uint64) 0 : ((uint64) 1 << (hi + 1)) - 1;
	return mask & ~(((uint64) 1 << lo) - 1);
}

/*
 * Step 2: the best hotel of each date of the chunk with an offer, walking
 * each scan order the dates use once.
 */
static void
best_chunk(const CalendarChunk *chunk, const int32 *counts,
		   PricingCandidate *best)
{
	PricingOrderSet set = pricing_order_set(chunk->city, chunk->search,
											chunk->party);
	uint64		left = 0;

	for (int32 i = 0; i < chunk->ndates; i++)
	{
		best[i].hotel = NULL;
		if (counts[i] > 0)
			left |= (uint64) 1 << i;
	}
	while (left != 0)
	{
		int			i = pg_rightmost_one_pos64(left);
		const uint32 *order = pricing_city_order(chunk->city, set,
												 chunk->stay.first + i,
												 chunk->stay.nights);
		uint64		dates = 0;

		/* the dates of the same order: those in the same period */
		for (uint64 rest = left; rest != 0; rest &= rest - 1)
		{
			int			j = pg_rightmost_one_pos64(rest);

			if (pricing_city_order(chunk->city, set, chunk->stay.first + j,
								   chunk->stay.nights) == order)
				dates |= (uint64) 1 << j;
		}
		walk_order(chunk, order, dates, best);
		left &= ~dates;
	}
}

/*
 * Walk one scan order for the given dates: each date takes the hotels of
 * the order until one's bound exceeds its best total, as search's walk
 * would (scan.c).
 */
static void
walk_order(const CalendarChunk *chunk, const uint32 *order, uint64 dates,
		   PricingCandidate *best)
{
	const PricingCity *c = chunk->city;
	const PricingSearch *search = chunk->search;
	PricingStay stay = chunk->stay;
	uint64		priced = 0;		/* dates with a best so far */

	for (int32 k = 0; k < c->nhotels && dates != 0; k++)
	{
		float		key = pricing_order_bound(order[k], c->posbits);
		uint32		p = pricing_order_hotel(order[k], c->posbits);
		uint64		todo;

		/* dates whose best no hotel from here on can beat leave the walk */
		for (uint64 rest = dates; rest != 0; rest &= rest - 1)
		{
			int			i = pg_rightmost_one_pos64(rest);
			bool		bounded = (priced >> i) & 1;

			if (pricing_past_bound(bounded, bounded ? (int64) Min(best[i].total, PG_INT64_MAX) : 0,
								   search, key, stay.nights))
				dates &= ~((uint64) 1 << i);
		}

		if (k + 4 < c->nhotels)
			prefetch(c->hotels[pricing_order_hotel(order[k + 4], c->posbits)]);
		if (k + 2 < c->nhotels)
			prefetch_visit(chunk, c->hotels[pricing_order_hotel(order[k + 2], c->posbits)],
						   dates);
		if (c->hotels[p]->stars < search->min_stars)
			continue;
		todo = screen_hotel(chunk, c->hotels[p], dates, priced, best);
		while (todo != 0)
		{
			int			i = pg_rightmost_one_pos64(todo);
			bool		bounded = (priced >> i) & 1;
			int64		bound = bounded ? (int64) Min(best[i].total, PG_INT64_MAX) : 0;
			PricingCandidate cand;

			todo &= todo - 1;
			stay.first = chunk->stay.first + i;
			stay.checkin = chunk->stay.checkin + i;
			if (!pricing_hotel_best(c->hotels[p], &stay, chunk->party, search,
									bounded, bound, &cand) ||
				(search->fx >= 0 &&
				 !pricing_convert_best(search, bounded, bound, &cand)))
				continue;
			if (!bounded || better(&cand, &best[i]))
			{
				best[i] = cand;
				priced |= (uint64) 1 << i;
			}
		}
		if ((k & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Of the given dates, those on which hotel h may offer less than the best
 * so far (or which have none yet): the only ones its offers need be priced
 * for.  Each offer of the hotel the search wants, a room under a plan,
 * costs at least a line in the stay's rack price (pricing_offer_line); on a
 * date where the room is open, its rack price is two prefix sums away.  So
 * the hotel's rooms, plans and party are looked at once for all the dates,
 * and a date is passed over when every open offer's line lies above its
 * best.  A hotel of many offers is not screened.
 */
static uint64
screen_hotel(const CalendarChunk *chunk, const PricingHotel *h, uint64 dates,
			 uint64 priced, const PricingCandidate *best)
{
	const PricingSearch *search = chunk->search;
	const PricingBlock *b = h->block;
	uint64		bounded = dates & priced;
	uint64		keep = dates & ~priced;
	uint64		plans[SCREEN_OFFERS];
	ScreenOffer offers[SCREEN_OFFERS];
	int			noffers = 0;
	double		limits[CHUNK_DATES];
	PricingGuests g;
	PricingStay stay = chunk->stay;

	if (bounded == 0 || h->nplans > SCREEN_OFFERS)
		return dates;
	for (uint64 rest = bounded; rest != 0; rest &= rest - 1)
	{
		int			i = pg_rightmost_one_pos64(rest);
		int128		limit = pricing_hotel_limit(h, search, true,
												(int64) Min(best[i].total, PG_INT64_MAX));

		if (limit < 0 || limit >= SCREEN_MAX)
		{
			keep |= (uint64) 1 << i;
			bounded &= ~((uint64) 1 << i);
		}
		limits[i] = (double) limit;
	}
	if (bounded == 0)
		return keep;

	for (int q = 0; q < h->nplans; q++)
		plans[q] = plan_dates(chunk, &h->plans[q]) & bounded;
	pricing_hotel_guests(h, chunk->party, &g);
	for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
	{
		const PricingRoom *room = &b->rooms[r];
		int32		occupancy;

		if (!pricing_room_takes(room, &g))
			continue;
		occupancy = room->nocc > 0 ? pricing_occupancy_percent(room, g.occupants) : 0;
		for (int q = 0; q < h->nplans; q++)
		{
			const PricingPlan *plan = &h->plans[q];

			if (plans[q] == 0 || (!plan->all_rooms && plan->room_id != room->room_id))
				continue;
			if (noffers == SCREEN_OFFERS)
				return dates;
			offers[noffers].r = r;
			offers[noffers].dates = plans[q];
			pricing_offer_line(h, room, plan, occupancy, &stay, &g,
							   &offers[noffers].slope, &offers[noffers].intercept);
			noffers++;
		}
	}

	for (uint64 rest = bounded; rest != 0; rest &= rest - 1)
	{
		int			i = pg_rightmost_one_pos64(rest);
		int32		r = -1;
		bool		open = false;
		double		rack = 0;

		stay.first = chunk->stay.first + i;
		for (int k = 0; k < noffers; k++)
		{
			if (!((offers[k].dates >> i) & 1))
				continue;
			if (offers[k].r != r)
			{
				r = offers[k].r;
				open = pricing_room_open(b, r, &stay);
				if (open)
					rack = (double) pricing_room_base(b, r, &stay);
			}
			if (open && (rack >= SCREEN_MAX ||
						 offers[k].slope * rack + offers[k].intercept <= limits[i]))
			{
				keep |= (uint64) 1 << i;
				break;
			}
		}
	}
	return keep;
}

/*
 * Ask for what pricing a hotel on these dates will read: its rooms and
 * plans, and for each date the entries of its first room on the check-in and check-out
 * nights, and their prefix sums.  Always inlined: GCC deems a function made
 * of prefetches free of effects, and drops calls to it.
 */
static pg_attribute_always_inline void
prefetch_visit(const CalendarChunk *chunk, const PricingHotel *h, uint64 dates)
{
	const PricingBlock *b = h->block;

	prefetch(&b->rooms[h->first_room]);
	for (int q = 0; q < h->nplans && q < 4; q++)
		prefetch(&h->plans[q]);
	for (; dates != 0; dates &= dates - 1)
	{
		Size		at = (Size) (chunk->stay.first + pg_rightmost_one_pos64(dates)) *
			b->nrooms + h->first_room;
		Size		co = at + (Size) chunk->stay.nights * b->nrooms;

		prefetch(b->nights + PRICING_NIGHT_BYTES * at);
		prefetch(b->nights + PRICING_NIGHT_BYTES * co);
		prefetch(&b->cum[at]);
		prefetch(&b->cum[co]);
	}
}

/* whether a is a better row than b: a lower total, then a lower hotel_id */
static inline bool
better(const PricingCandidate *a, const PricingCandidate *b)
{
	if (a->total != b->total)
		return a->total < b->total;
	return a->hotel->hotel_id < b->hotel->hotel_id;
}
