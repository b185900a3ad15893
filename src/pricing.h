/*-------------------------------------------------------------------------
 *
 * pricing.h
 *		Declarations shared by the files of the pricing extension.
 *
 * The extension has three kinds of participant (doc/design.md): the
 * postmaster, which reserves shared memory and registers the worker; the
 * refresh worker, which alone allocates and frees index memory in the
 * arena; and backends, which only read the index under a pin.  This header
 * describes the shared control block they all see, the index layout the
 * worker builds and the readers walk, and the entry points between files.
 *
 * The main shared memory segment is mapped at the same address in every
 * process forked from the postmaster, so the index uses plain pointers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PRICING_H
#define PRICING_H

#include <math.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "port/atomics.h"
#include "storage/condition_variable.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

/* GUC variables (pricing.c) */
extern char *pricing_database;
extern int	pricing_shared_memory_mb;
extern int	pricing_refresh_interval;
extern int	pricing_horizon_days;
extern int	pricing_max_nights;

/*
 * Longest stay the index can answer.  The per-night run lengths and minimum
 * stays are stored in one byte each, saturated at 255, and 32-bit prefix
 * sums of cents are exact for any stay whose nightly prices stay below
 * PRICING_NARROW_PRICE_LIMIT; both facts hold only for stays of at most
 * this many nights, so pricing.max_nights cannot exceed it.
 */
#define PRICING_MAX_NIGHTS_LIMIT	254
#define PRICING_NARROW_PRICE_LIMIT	((int64) (PG_UINT32_MAX / (PRICING_MAX_NIGHTS_LIMIT + 1)))

#define PRICING_MAX_RESULTS		10000

/* mimalloc 2.0's segment size: its arenas hand out blocks of this size */
#define PRICING_SEGMENT_SIZE	((Size) 32 * 1024 * 1024)

/*
 * The search_path of every statement the extension runs with rights other
 * than its caller's (the change trigger's counter update, the refresh
 * worker's queries): the system's objects only, and temporary ones last,
 * so that nothing planted in a schema of the caller's path can run.
 */
#define PRICING_SAFE_SEARCH_PATH	"pg_catalog, pg_temp"
#define PRICING_ERROR_LEN		1024

/*
 * Today, as of the moment now, in the session's time zone: the one
 * definition of the day.  The worker refreshes when today as of now is no
 * longer the day of its last load; the loader starts the window the day
 * before today as of its transaction's start, the day CURRENT_DATE gives
 * in it.
 */
static inline DateADT
pricing_today(TimestampTz now)
{
	return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
											   TimestampTzGetDatum(now)));
}

/*
 * The scan orders' periods (bounds.c): a stay of at most
 * PRICING_PERIOD_STAY nights checking in on a night of period p (nights
 * p * PRICING_PERIOD_NIGHTS ..) uses period p's order; longer stays use
 * the whole window's.
 */
#define PRICING_PERIOD_NIGHTS	14
#define PRICING_PERIOD_STAY		8

/*
 * The index: one generation, built by the worker in its own memory context
 * inside one half of the arena, read by backends while they pin it.
 *
 * Hotels are grouped by city, and a city's hotels are laid out in one or
 * more blocks.  A block keeps the nightly data of its rooms night-major:
 * the entries of night d of all the block's rooms are adjacent, so the
 * passes over a whole block (the refresh turning prices into prefix sums,
 * flags into run lengths, and deriving the scan orders of bounds.c) run
 * through memory in order.  cheapest() visits only the few hotels its scan
 * order leads to, a handful of entries in each.
 */
/* an occupancy row of a room: its price adjusted for this many occupants */
typedef struct PricingOccupancy
{
	int16		occupants;
	int32		percent;		/* hundredths of a percent, -10000 .. 10000 */
} PricingOccupancy;

typedef struct PricingRoom
{
	int32		room_id;
	int16		max_guests;
	int16		base_guests;
	int16		max_infants;
	int16		nocc;			/* its occupancy rows, by occupants */
	int32		max_discount;	/* its hotel's largest discount, hundredths */
	int64		extra_fee;		/* cents per extra guest per night */
	int64		child_fee;		/* cents per extra young child per night */
	const PricingOccupancy *occ;
	int64	   *cum64;			/* exact prefix sums of a wide room, else NULL */

	/*
	 * The maximum stay of an arrival on each night, saturated at
	 * PRICING_NO_MAX_STAY (which also stands for none), for a room with a
	 * maximum stay on some night; NULL for the others.
	 */
	uint8	   *max_stay;
} PricingRoom;

/*
 * What a calendar's count of the hotels with an offer reads of a hotel and
 * of its rooms (calendar.c), packed: a big city's count would otherwise
 * read each hotel's entry, its rooms' and its plans', several cache lines
 * for a few bytes of each.  Derived from them by pricing_block_briefs.
 */
typedef struct PricingBrief
{
	int16		stars;
	uint8		infant_age;
	uint8		flags;			/* PRICING_BRIEF_* */
	uint8		plan0_board;	/* the board of plan 0 */
	uint16		nrooms;
} PricingBrief;

#define PRICING_BRIEF_FX		0x01	/* its currency has an exchange rate */
#define PRICING_BRIEF_OPEN		0x02	/* plan 0 sells every room, for any
										 * stay booked any day ahead */
#define PRICING_BRIEF_LOOK		0x04	/* the brief does not say it all: look
										 * at the hotel itself */

/*
 * A room's brief: its max_guests in the low byte and max_infants in the
 * next seven bits, each saturated (the room itself has the exact value),
 * and PRICING_ROOM_BRIEF_SLOW when it has maximum stays.
 */
#define PRICING_ROOM_BRIEF_SLOW	0x8000

typedef struct PricingBlock
{
	int32		nhotels;
	int32		nrooms;
	struct PricingHotel *hotels;	/* ordered by city position */
	PricingRoom *rooms;			/* a hotel's rooms adjacent, by room_id */
	PricingBrief *briefs;		/* by hotel; one allocation with: */
	uint16	   *room_briefs;	/* by room */

	/*
	 * PRICING_NIGHT_BYTES bytes per room and night, at
	 * nights[PRICING_NIGHT_BYTES * (d * nrooms + r)]:
	 *
	 * 0: the number of consecutive sellable nights of room r starting at
	 *	  night d (0 when night d has no rate or nothing available), saturated
	 *	  at PRICING_RUN_MAX, in the low seven bits; PRICING_NIGHT_CTD when no
	 *	  stay may check out on night d (closed to departure);
	 * 1: 0 when a stay cannot arrive on night d (closed to arrival, or no
	 *	  rate), else its minimum stay, saturated at 255.
	 *
	 * Whether night d of room r has a rate row at all, which only explain
	 * needs (no rate or sold out), is bit d * nrooms + r of rows.  Maximum
	 * stays are rare, so a room keeps them apart (PricingRoom.max_stay).
	 */
	uint8	   *nights;
	uint8	   *rows;			/* a bit per room and night: it has a rate */

	/*
	 * cum[d * nrooms + r] is the sum of the nightly prices (cents) of nights
	 * 0..d-1 of room r, modulo 2^32: the base of a stay is the difference of
	 * two entries in uint32 arithmetic, exact because no stay's base reaches
	 * 2^32.  Rooms with a nightly price too large for that ("wide" rooms)
	 * use their exact int64 cum64 instead.
	 */
	uint32	   *cum;
} PricingBlock;

typedef struct PricingDiscount
{
	int32		room_id;		/* meaningful only when !all_rooms */
	int32		plan_id;		/* -1 when NULL: every plan */
	bool		all_rooms;
	int32		percent;		/* hundredths of a percent */
	int32		min_nights;
	DateADT		checkin_from;	/* DATEVAL_NOBEGIN when NULL */
	DateADT		checkin_to;		/* DATEVAL_NOEND when NULL */
	int32		min_days_ahead; /* -1 when NULL */
} PricingDiscount;

/* boards, in the order min_board compares them */
typedef enum PricingBoard
{
	PRICING_BOARD_ROOM_ONLY,
	PRICING_BOARD_BREAKFAST,
	PRICING_BOARD_HALF_BOARD,
	PRICING_BOARD_FULL_BOARD,
	PRICING_BOARD_ALL_INCLUSIVE
} PricingBoard;

#define PRICING_NBOARDS		5

/* a rate plan of a hotel: a product its rooms are sold as */
typedef struct PricingPlan
{
	int32		plan_id;
	int32		room_id;		/* meaningful only when !all_rooms */
	bool		all_rooms;
	bool		refundable;
	uint8		board;			/* PricingBoard */
	int32		cancel_days;	/* 0 when NULL */
	int32		adjust_percent; /* hundredths of a percent, -10000 .. 10000 */
	int64		adjust_amount;	/* cents per night, may be negative */
	int64		board_fee;		/* cents per occupant per night */
	int32		min_stay;
	int32		max_stay;		/* PG_INT32_MAX when NULL */
	int32		min_days_ahead; /* -1 when NULL */
	int32		max_days_ahead; /* -1 when NULL */
	const text *name;
} PricingPlan;

typedef struct PricingHotel
{
	int64		hotel_id;
	const text *name;			/* varlenas, ready to be returned */
	const text *currency;		/* bpchar, as stored */
	int16		stars;
	int16		infant_age;
	int16		child_age;
	int16		fx;				/* its currency in index->fx, or -1 */
	int32		vat_percent;	/* hundredths of a percent */
	int32		ndiscounts;
	int64		city_tax;		/* cents per guest per night */
	int64		fee_stay;		/* cents per stay */
	int64		fee_night;		/* cents per night */
	int64		fee_guest_night;	/* cents per guest per night */
	PricingDiscount *discounts;
	const PricingPlan *plans;	/* by plan_id */
	PricingBlock *block;
	int32		nplans;			/* at least one: plan 0 comes first */
	int32		first_room;		/* its rooms: block->rooms[first_room ..] */
	int32		nrooms;
	const char *city;			/* its city's name, as the city table keys it */
} PricingHotel;

/* an exchange rate: one unit of a currency, in the pivot currency */
typedef struct PricingExchange
{
	char		code[4];		/* without trailing blanks, as bpchar compares */
	double		approx;			/* per_unit, for bounds only */
	const struct NumericData *per_unit; /* exact, for conversions */
} PricingExchange;

/* city -> its hotels, a simplehash table living in the arena */
typedef struct PricingCity
{
	const char *city;
	uint32		hash;
	char		status;
	int32		nblocks;
	PricingBlock **blocks;
	int32		nhotels;
	const struct PricingHotel **hotels; /* its hotels, block after block */

	/*
	 * The orders in which the searches visit the city's hotels (bounds.c):
	 * PRICING_ORDER_SETS sets, each with one order per period of
	 * PRICING_PERIOD_NIGHTS nights and then one for the whole window, at
	 * orders[set * (nperiods + 1) + period].  Entry i of an order names
	 * hotels[h] and holds a lower bound of what one night of a stay in the
	 * period costs at that hotel, for the searches the set serves; entries
	 * ascend.  An entry is a float's bits, the low posbits of which hold h
	 * instead (pricing_order_entry): the float left is a little lower, still
	 * a bound, and entries sort as integers.
	 */
	int32		nperiods;
	int32		posbits;
	int16		max_infant_age; /* the highest infant_age of its hotels */
	uint32	  **orders;
} PricingCity;

/* hotel_id -> hotel, a simplehash table living in the arena */
typedef struct PricingHotelEntry
{
	int64		hotel_id;
	char		status;
	PricingHotel *hotel;
} PricingHotelEntry;

struct pricing_city_hash;
struct pricing_hotel_hash;

typedef struct PricingIndex
{
	uint64		generation;
	Oid			database;		/* the database whose tables it copies */
	DateADT		first_date;		/* night 0 */
	int32		ndays;			/* nights first_date .. first_date + ndays - 1 */
	TimestampTz loaded_at;
	double		refresh_ms;
	int64		nhotels;
	int64		nrooms;
	int64		nrates;
	Size		bytes;			/* arena bytes the generation occupies */
	int64		change_count;	/* pricing.change_counter's sum in its snapshot */
	bool		incremental;	/* made from its predecessor (incremental.c) */
	int32		half;			/* the arena half it lives in */
	int64		nchanged;		/* incremental: the hotels it changed */
	const PricingPlan *standard;	/* plan 0 of hotels without a row for it */
	int32		nfx;
	const PricingExchange *fx;	/* pricing.exchange_rate */
	struct pricing_city_hash *cities;
	struct pricing_hotel_hash *hotels;
} PricingIndex;

/*
 * Shared control block, in the main shared memory segment.
 *
 * Generation g always lives in arena half g % 2 and is published in
 * gens[g % 2] before "serving" becomes g, so a reader that has pinned g and
 * then seen serving == g may follow gens[g % 2] until it unpins.
 */
typedef struct PricingReaderSlot
{
	pg_atomic_uint64 pin;		/* generation pinned, 0 when none */
	int			pid;			/* last backend to use the slot */
} PricingReaderSlot;

/* what the refresh worker is doing, for pricing.status */
typedef enum PricingWorkerState
{
	PRICING_WORKER_STARTING,
	PRICING_WORKER_NO_EXTENSION,	/* waits for CREATE EXTENSION pricing */
	PRICING_WORKER_IDLE,
	PRICING_WORKER_REFRESHING,
	PRICING_WORKER_RETRY			/* a refresh failed; it will try again */
} PricingWorkerState;

typedef struct PricingShared
{
	LWLock	   *lock;			/* protects the fields marked (L) */

	pg_atomic_uint64 serving;	/* generation now serving, 0 before the first */
	PricingIndex *current;		/* its index, or a newer one (reader.c) */
	int			serving_half;	/* (L) the arena half that holds it */

	/* the arena, split in two halves, each its own mimalloc arena */
	char	   *arena;
	Size		half_size;

	/* the worker (L) */
	int			worker_pid;
	Latch	   *worker_latch;

	/* refresh requests and their outcomes */
	pg_atomic_uint64 request_seq;	/* bumped by pricing.refresh() */
	pg_atomic_uint64 change_seq;	/* bumped by commits that changed tables */
	uint64		done_seq;		/* (L) requests up to this one were attempted */
	uint64		ok_seq;			/* (L) ... and up to this one succeeded */
	ConditionVariable refresh_cv;	/* broadcast after every attempt */

	/* status (L) */
	uint64		half_generation[2]; /* generation living in each half, or 0 */
	Size		half_bytes[2];	/* bytes its chunks use */
	Size		half_committed[2];	/* bytes mimalloc committed for it */
	uint64		refreshes;
	uint64		failed_refreshes;
	uint64		incremental_refreshes;	/* refreshes that applied changes */
	uint64		changes_applied;	/* hotels those refreshes rebuilt */
	double		last_change_ms; /* how long the last of them took */
	PricingWorkerState worker_state;
	int			connect_failures;	/* worker starts in a row that did not
									 * connect to pricing.database */
	int			last_errcode;
	char		last_error[PRICING_ERROR_LEN];	/* "" after a success */

	int			nslots;
	PricingReaderSlot slots[FLEXIBLE_ARRAY_MEMBER];
} PricingShared;

/* bounds.c */
extern Size pricing_city_order_bytes(int64 nhotels, int32 ndays);
extern void pricing_city_orders(MemoryContext cxt, PricingCity *city,
								int32 ndays, const struct PricingExchange *fx);

/*
 * The sets of scan orders (bounds.c).  The bound of a hotel depends on what
 * a search may sell: every plan or plan 0 alone, to any party or to one of
 * at least two occupants (which no single-use price and no room for one
 * serves, or of at least three), in the hotels' currencies or in a pivot
 * currency (bounds of converted totals).  Each search visits hotels in the tightest set that
 * holds for it.
 */
typedef enum PricingOrderSet
{
	PRICING_ORDERS_ANY,			/* every plan, any party */
	PRICING_ORDERS_PLAN0_PAIR,	/* plan 0, two occupants or more */
	PRICING_ORDERS_PIVOT_ANY,	/* every plan, any party, pivot currency */
	PRICING_ORDERS_PIVOT_PAIR,	/* every plan, two occupants or more, pivot */
	PRICING_ORDERS_PIVOT_TRIO,	/* every plan, three occupants or more, pivot */
	PRICING_ORDER_SETS
} PricingOrderSet;

static inline const uint32 *
pricing_city_order(const PricingCity *city, PricingOrderSet set, int32 first,
				   int32 nights)
{
	int32		period = nights <= PRICING_PERIOD_STAY ?
		first / PRICING_PERIOD_NIGHTS : city->nperiods;

	return city->orders[set * (city->nperiods + 1) + period];
}

/*
 * An entry of a scan order: the bits of a non-negative float bound, rounded
 * down by putting the position h of the hotel in its low posbits.
 */
static inline uint32
pricing_order_entry(float bound, uint32 hotel, int32 posbits)
{
	uint32		bits;

	memcpy(&bits, &bound, sizeof(bits));
	return (bits & ~(((uint32) 1 << posbits) - 1)) | hotel;
}

/* the bound of an entry (+Inf: no hotel from here on can offer anything) */
static inline float
pricing_order_bound(uint32 entry, int32 posbits)
{
	uint32		bits = entry & ~(((uint32) 1 << posbits) - 1);
	float		bound;

	memcpy(&bound, &bits, sizeof(bound));
	return bound;
}

/* the position h of an entry's hotel in city->hotels */
static inline uint32
pricing_order_hotel(uint32 entry, int32 posbits)
{
	return entry & (((uint32) 1 << posbits) - 1);
}

/* changes.c */
extern int64 pricing_change_count(void);
extern int64 *pricing_take_changes(int *nchanges, bool *everything);
extern int	pricing_int64_cmp(const void *a, const void *b);

/*
 * The most hotels one incremental refresh rebuilds; a transaction that
 * changes more, or a refresh that finds more changed, rebuilds everything.
 */
#define PRICING_MAX_CHANGES		1000

/* incremental.c */
typedef struct PricingRetired
{
	void	   *chunk;			/* an arena chunk no newer generation reaches */
	uint64		generation;		/* the first generation without it */
} PricingRetired;

extern PricingIndex *pricing_apply_changes(MemoryContext cxt,
										   const PricingIndex *old,
										   const int64 *ids, int nids,
										   List **retired);

/* shmem.c */
extern PricingShared *pricing_shared;
extern void pricing_shmem_request(void);
extern void pricing_shmem_startup(void);
extern PricingShared *pricing_get_shared(void);
extern void pricing_wake_worker(void);

/* arena.c */
extern MemoryContext pricing_arena_context_create(MemoryContext parent,
												  int half, uint64 generation);
extern Size pricing_arena_context_bytes(MemoryContext context);
extern Size pricing_arena_context_committed(MemoryContext context);
extern void pricing_arena_full_error(MemoryContext context, Size needed)
			pg_attribute_noreturn();
extern void pricing_arena_explain_error(MemoryContext context,
										ErrorData *edata);

/* index.c */
extern PricingIndex *pricing_index_create(MemoryContext cxt);
extern PricingCity *pricing_index_add_city(PricingIndex *index,
										   const char *city);
extern void pricing_index_add_hotel(PricingIndex *index, PricingHotel *hotel);
extern const PricingCity *pricing_index_city(const PricingIndex *index,
											 const char *city);
extern void pricing_index_foreach_city(PricingIndex *index,
									   void (*fn) (PricingCity *city, void *arg),
									   void *arg);
extern const PricingHotel *pricing_index_hotel(const PricingIndex *index,
											   int64 hotel_id);
extern int32 pricing_index_currency(const PricingIndex *index,
									const text *currency);
extern PricingIndex *pricing_index_copy(MemoryContext cxt,
										const PricingIndex *old, int extra,
										List **retired);
extern void pricing_index_free_directory(PricingIndex *index);
extern PricingCity *pricing_index_city_entry(PricingIndex *index,
											 const char *city);
extern void pricing_index_drop_city(PricingIndex *index, const char *city);
extern void pricing_index_set_hotel(PricingIndex *index, PricingHotel *hotel);
extern void pricing_index_drop_hotel(PricingIndex *index, int64 hotel_id);
extern int64 pricing_index_hotel_count(const PricingIndex *index);

/* load.c */
extern PricingIndex *pricing_load_index(MemoryContext cxt);
extern PricingIndex *pricing_load_hotels(MemoryContext cxt,
										 const PricingIndex *base,
										 const int64 *ids, int nids);
extern bool pricing_is_arena_context(MemoryContext context);
extern void pricing_block_briefs(MemoryContext cxt, PricingBlock *b);

/*
 * The layout of a room's night (see PricingBlock.nights).
 */
#define PRICING_NIGHT_BYTES		2
#define PRICING_NIGHT_CTD		0x80
#define PRICING_RUN_MAX			127
#define PRICING_NO_MAX_STAY		255

/* price.c */

/* a stay: its nights in the index's window and its dates */
typedef struct PricingStay
{
	int32		first;			/* index of the check-in night in the window */
	int32		nights;
	int32		ndays;			/* nights in the window */
	DateADT		checkin;
	DateADT		booking_date;
} PricingStay;

/*
 * A party: its adults and the ages of its children.  Which children count
 * as adults, young children or infants depends on the hotel's ages, so
 * each hotel's view of the party comes from below[], the number of
 * children younger than each age.
 */
#define PRICING_MAX_CHILDREN	16
#define PRICING_MAX_CHILD_AGE	17

typedef struct PricingParty
{
	int32		adults;
	int32		nchildren;
	int32		below[PRICING_MAX_CHILD_AGE + 2];
} PricingParty;

/* a party as a hotel counts it */
typedef struct PricingGuests
{
	int32		adults;			/* A: adults and children aged child_age or more */
	int32		young;			/* C: young children */
	int32		infants;		/* I */
	int32		occupants;		/* O = A + C */
} PricingGuests;

typedef struct PricingPrice
{
	int128		base;
	int128		extra;
	int128		discount;
	int128		board_fees;
	int128		fees;
	int128		vat;
	int128		city_tax;
	int128		total;
} PricingPrice;

/* why an offer is not eligible: explain's reasons, in the order tested */
typedef enum PricingReason
{
	PRICING_OFFERED,
	PRICING_OUTSIDE_WINDOW,
	PRICING_TOO_MANY_GUESTS,
	PRICING_TOO_MANY_INFANTS,
	PRICING_NO_RATE,
	PRICING_SOLD_OUT,
	PRICING_CLOSED_TO_ARRIVAL,
	PRICING_MIN_STAY,
	PRICING_MAX_STAY,
	PRICING_CLOSED_TO_DEPARTURE,
	PRICING_PLAN_MIN_STAY,
	PRICING_PLAN_MAX_STAY,
	PRICING_BOOKED_TOO_LATE,
	PRICING_BOOKED_TOO_EARLY
} PricingReason;

extern void pricing_offer_price(const PricingHotel *hotel,
								const PricingRoom *room,
								const PricingPlan *plan, int64 rack,
								int32 occupancy, const PricingStay *stay,
								const PricingGuests *guests,
								PricingPrice *price);
extern void pricing_offer_line(const PricingHotel *hotel,
							   const PricingRoom *room,
							   const PricingPlan *plan, int32 occupancy,
							   const PricingStay *stay,
							   const PricingGuests *guests, double *slope,
							   double *intercept);
extern DateADT pricing_free_cancel_until(const PricingPlan *plan,
										 const PricingStay *stay);
extern PricingReason pricing_explain_room(const PricingBlock *b, int32 r,
										  const PricingStay *stay,
										  const PricingGuests *guests,
										  DateADT *night);
extern bool pricing_convert(const PricingIndex *index, int32 from, int32 to,
							int128 cents, int128 *converted);
extern Datum pricing_cents_numeric(int128 cents);

/*
 * The parts of price.c's arithmetic that the searches run for every offer
 * they look at, inline.
 */
/*
 * The party as the hotel counts it, by the hotel's ages.
 */
static inline void
pricing_hotel_guests(const PricingHotel *hotel, const PricingParty *party,
					 PricingGuests *g)
{
	int32		below_infant = party->below[hotel->infant_age];
	int32		below_child = party->below[hotel->child_age];

	g->infants = below_infant;
	g->young = below_child - below_infant;
	g->adults = party->adults + party->nchildren - below_child;
	g->occupants = g->adults + g->young;
}

/*
 * The stay restrictions of a plan that the stay breaks, the first in the
 * order of doc/reference.md, or PRICING_OFFERED.
 */
static inline PricingReason
pricing_explain_plan(const PricingPlan *plan, const PricingStay *stay)
{
	int64		ahead = (int64) stay->checkin - stay->booking_date;

	if (stay->nights < plan->min_stay)
		return PRICING_PLAN_MIN_STAY;
	if (stay->nights > plan->max_stay)
		return PRICING_PLAN_MAX_STAY;
	if (plan->min_days_ahead >= 0 && ahead < plan->min_days_ahead)
		return PRICING_BOOKED_TOO_LATE;
	if (plan->max_days_ahead >= 0 && ahead > plan->max_days_ahead)
		return PRICING_BOOKED_TOO_EARLY;
	return PRICING_OFFERED;
}

/*
 * Rule 5: whether the plan sells the room for the stay.
 */
static inline bool
pricing_plan_fits(const PricingPlan *plan, const PricingRoom *room,
				  const PricingStay *stay)
{
	if (!plan->all_rooms && plan->room_id != room->room_id)
		return false;
	return pricing_explain_plan(plan, stay) == PRICING_OFFERED;
}

/*
 * The occupancy percent of the room for this many occupants, in
 * hundredths; 0 when the room has no row for them.
 */
static inline int32
pricing_occupancy_percent(const PricingRoom *room, int32 occupants)
{
	for (int i = 0; i < room->nocc; i++)
		if (room->occ[i].occupants == occupants)
			return room->occ[i].percent;
	return 0;
}

/*
 * round(x * pct / 100, 2) with pct in hundredths of a percent, x >= 0 and
 * pct >= 0.  Realistic amounts take the 64-bit path, whose division by a
 * constant the compiler turns into a multiplication; 128-bit division is
 * a libgcc call.
 */
static inline int128
pricing_percent_of(int128 cents, int32 pct)
{
	Assert(cents >= 0 && pct >= 0);
	if (cents <= PG_INT64_MAX / 20000)
		return ((int64) cents * pct + 5000) / 10000;
	return (cents * pct + 5000) / 10000;
}

/*
 * The base of an offer: the rack price adjusted by the room's occupancy
 * percent, then by the plan's percent and amount, not below zero.
 */
static inline int128
pricing_offer_base(const PricingPlan *plan, int64 rack, int32 occupancy,
				   int32 nights)
{
	int128		occupied = occupancy == 0 ? rack : pricing_percent_of(rack, 10000 + occupancy);
	int128		base = pricing_percent_of(occupied, 10000 + plan->adjust_percent) +
		(int128) plan->adjust_amount * nights;

	return base < 0 ? 0 : base;
}

/*
 * A lower bound of the total pricing_offer_price gives an offer whose base
 * (pricing_offer_base) is this: its price with the room's largest discount
 * in place of the best that applies, which only that discount's rounding
 * separates from the price.  The discount takes at most subtotal *
 * max_discount plus half a cent, so the net is at least floor(subtotal *
 * (1 - max_discount)) plus board and fees, in whole cents; VAT and city
 * tax only grow with the net.  0 (no bound) when the amounts are too large
 * for 64-bit arithmetic.
 */
static inline int64
pricing_offer_floor(const PricingHotel *hotel, const PricingRoom *room,
					const PricingPlan *plan, int128 base,
					const PricingStay *stay, const PricingGuests *g)
{
	const int64 cap = (int64) 1 << 32;
	int64		n = stay->nights;
	int64		spare_beds = Max(room->base_guests - g->adults, 0);
	int64		subtotal;
	int64		net;

	/* each product below stays under 2^54, their sums under 2^57 */
	if (base >= ((int64) 1 << 48) || n >= 4096 || g->occupants >= 1024 ||
		room->extra_fee >= cap || room->child_fee >= cap ||
		plan->board_fee >= cap || hotel->fee_stay >= cap ||
		hotel->fee_night >= cap || hotel->fee_guest_night >= cap ||
		hotel->city_tax >= cap)
		return 0;
	subtotal = (int64) base +
		(Max(g->adults - room->base_guests, 0) * room->extra_fee +
		 Max(g->young - spare_beds, 0) * room->child_fee) * n;
	if (subtotal >= ((int64) 1 << 48))
		return 0;
	net = subtotal * (10000 - room->max_discount) / 10000 +
		plan->board_fee * g->occupants * n +
		hotel->fee_stay + hotel->fee_night * n +
		hotel->fee_guest_night * g->occupants * n;
	if (net >= ((int64) 1 << 48))
		return 0;
	return net + (net * hotel->vat_percent + 5000) / 10000 +
		hotel->city_tax * g->adults * n;
}

/* whether the room takes the party: its occupants and its infants */
static inline bool
pricing_room_takes(const PricingRoom *room, const PricingGuests *g)
{
	return g->occupants <= room->max_guests && g->infants <= room->max_infants;
}

/* the night entry of room r of block b for night d */
static inline const uint8 *
pricing_night(const PricingBlock *b, int32 r, int32 d)
{
	return b->nights + PRICING_NIGHT_BYTES * ((Size) d * b->nrooms + r);
}

/*
 * Whether room r of block b can be sold for the stay, rules 2 to 4 of
 * doc/reference.md: every night sellable, arrival open, minimum and
 * maximum stay met, departure open.  Guests are checked by the caller.
 * Runs are saturated at PRICING_RUN_MAX nights: a longer stay follows
 * them, a run at a time.
 */
static inline bool
pricing_room_open(const PricingBlock *b, int32 r, const PricingStay *stay)
{
	const uint8 *e = pricing_night(b, r, stay->first);
	const uint8 *max_stay = b->rooms[r].max_stay;
	int32		co = stay->first + stay->nights;

	if (unlikely((e[0] & PRICING_RUN_MAX) < stay->nights))
	{
		int32		d = stay->first;

		while ((pricing_night(b, r, d)[0] & PRICING_RUN_MAX) == PRICING_RUN_MAX)
		{
			d += PRICING_RUN_MAX;
			if (d >= co)
				break;
		}
		if (d < co && (pricing_night(b, r, d)[0] & PRICING_RUN_MAX) < co - d)
			return false;
	}
	if (e[1] == 0 || e[1] > stay->nights)
		return false;
	if (unlikely(max_stay != NULL) && max_stay[stay->first] < stay->nights)
		return false;
	return co >= stay->ndays || !(pricing_night(b, r, co)[0] & PRICING_NIGHT_CTD);
}

/* whether night d of room r of block b has a rate row */
static inline bool
pricing_night_has_rate(const PricingBlock *b, int32 r, int32 d)
{
	Size		bit = (Size) d * b->nrooms + r;

	return (b->rows[bit / 8] >> (bit % 8)) & 1;
}

/* the rack price of the stay in room r of block b, in cents */
static inline int64
pricing_room_base(const PricingBlock *b, int32 r, const PricingStay *stay)
{
	const PricingRoom *room = &b->rooms[r];

	if (unlikely(room->cum64 != NULL))
		return room->cum64[stay->first + stay->nights] - room->cum64[stay->first];
	return (uint32) (b->cum[(Size) (stay->first + stay->nights) * b->nrooms + r] -
					 b->cum[(Size) stay->first * b->nrooms + r]);
}

/* scan.c */

/*
 * What a search asks beyond the stay and the party: which plans count
 * (cheapest and quote know plan 0 only), and in which currency totals
 * are ranked (fx < 0: the hotels' own).
 */
typedef struct PricingSearch
{
	bool		plan0_only;
	uint8		min_board;
	bool		free_cancellation;
	int32		min_stars;
	int32		fx;				/* index->fx of the requested currency, or -1 */
	const PricingIndex *index;
} PricingSearch;

/* a hotel's best offer for a stay: a row of pricing.search() */
typedef struct PricingCandidate
{
	int128		total;			/* converted when the search converts */
	const PricingHotel *hotel;
	const PricingPlan *plan;
	int32		room_id;
} PricingCandidate;

/* an offer of a hotel: a row of pricing.offers() and pricing.quote() */
typedef struct PricingOfferRow
{
	PricingPrice price;
	int32		room_id;
	const PricingPlan *plan;
} PricingOfferRow;

/* a row of pricing.explain() */
typedef struct PricingExplainRow
{
	int32		room_id;
	int32		plan_id;
	PricingReason reason;
	DateADT		night;			/* DATEVAL_NOBEGIN when none */
} PricingExplainRow;

extern int	pricing_scan_city(const PricingCity *city, const PricingStay *stay,
							  const PricingParty *party,
							  const PricingSearch *search, int32 max_results,
							  bool limited, int128 limit,
							  PricingCandidate **rows);
extern bool pricing_hotel_best(const PricingHotel *h, const PricingStay *stay,
							   const PricingParty *party,
							   const PricingSearch *search, bool bounded,
							   int64 bound, PricingCandidate *best);
extern PricingOrderSet pricing_order_set(const PricingCity *c,
										 const PricingSearch *search,
										 const PricingParty *party);
extern int128 pricing_hotel_limit(const PricingHotel *h,
								  const PricingSearch *search, bool bounded,
								  int64 bound);
extern bool pricing_convert_best(const PricingSearch *search, bool bounded,
								 int64 bound, PricingCandidate *cand);
extern int	pricing_scan_hotel(const PricingHotel *hotel, const PricingStay *stay,
							   const PricingParty *party, bool plan0_only,
							   PricingOfferRow **rows);
extern int	pricing_explain_hotel(const PricingHotel *hotel,
								  const PricingStay *stay, bool in_window,
								  const PricingParty *party,
								  PricingExplainRow **rows);

/*
 * Whether the hotel of an order's entry whose key this is, and every hotel
 * after it, must cost more than any total a search can still take: more
 * than bound, when bounded.  An infinite key: none of them has an offer the
 * search can take.  Otherwise every stay of n nights costs at least n * K -
 * 5 cents in the hotel's currency (bounds.c); a pivot order's key is at
 * most (K - 5) * per_unit of the hotel's currency, so the converted total
 * is at least n * key / per_unit of the requested currency, less the cent
 * of the conversion's rounding.  The floating-point arithmetic is made to
 * err low.
 */
static inline bool
pricing_past_bound(bool bounded, int64 bound, const PricingSearch *search,
				   float key, int32 nights)
{
	if (isinf(key))
		return true;
	if (!bounded)
		return false;
	if (search->fx < 0)
		return (double) key * nights - 5.0 > (double) bound;
	return (double) key * nights / search->index->fx[search->fx].approx *
		(1.0 - 1e-9) - 1.0 > (double) bound;
}

/* calendar.c */
extern void pricing_calendar_city(const PricingCity *c,
								  const PricingStay *stay, int32 ndates,
								  const PricingParty *party,
								  const PricingSearch *search, int32 *counts,
								  PricingCandidate *best);

/* functions.c */
extern void pricing_init_srf(FunctionCallInfo fcinfo);
extern struct _SPI_plan *pricing_kept_plan(struct _SPI_plan **plan,
										   const char *sql, int nargs,
										   Oid *argtypes, int cursor_options);

/* queries.c: the readers' checks of their arguments, shared with booking.c */
extern void pricing_require_args(FunctionCallInfo fcinfo,
								 const char *const *names, int nargs);
extern void pricing_check_stay(DateADT checkin, DateADT checkout,
							   DateADT booking_date, PricingStay *stay);
extern void pricing_check_party(int32 adults, const char *what,
								ArrayType *children, PricingParty *party);
extern bool pricing_stay_in_window(const PricingIndex *index,
								   PricingStay *stay);
extern const char *pricing_reason_name(PricingReason reason);

/* privileges.c */
typedef enum PricingVisibility
{
	PRICING_SEE_NOTHING,		/* neither the index nor its readers */
	PRICING_SEE_INDEX,			/* the index, not its readers nor errors */
	PRICING_SEE_ALL
} PricingVisibility;

extern bool pricing_is_source_table(const char *name);
extern PricingVisibility pricing_visibility(Oid index_database);
extern void pricing_check_source_tables(Oid owner, Oid ext_nsp);
extern void pricing_check_read_privilege(void);
extern void pricing_check_refresh_privilege(void);

/* reader.c */
extern const PricingIndex *pricing_pin(bool missing_ok);
extern void pricing_unpin(void);
extern int	pricing_readers(uint64 gen, int *pids, int max);
extern uint64 pricing_oldest_pin(void);

/* worker.c */
extern void pricing_register_worker(void);
extern Oid	pricing_extension_owner(Oid *nsp);
extern PGDLLEXPORT void pricing_worker_main(Datum main_arg);

#endif							/* PRICING_H */
