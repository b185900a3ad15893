/*-------------------------------------------------------------------------
 *
 * pricing.h
 *		Declarations shared by the files of the pricing extension.
 *
 * The extension has three kinds of participant (see DESIGN.md): the
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

#include "datatype/timestamp.h"
#include "port/atomics.h"
#include "storage/condition_variable.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/date.h"

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
#define PRICING_ERROR_LEN		1024

/*
 * The index: one generation, built by the worker in its own memory context
 * inside one half of the arena, read by backends while they pin it.
 */
typedef struct PricingRoom
{
	int32		room_id;
	int16		max_guests;
	int16		base_guests;
	int64		extra_fee;		/* cents per extra guest per night */

	/*
	 * cum[i] is the sum of the nightly prices (cents) of nights 0..i-1, modulo
	 * 2^32: the base of a stay is cum[co] - cum[ci] in uint32 arithmetic,
	 * exact because no stay's base reaches 2^32.  Rooms with a nightly price
	 * too large for that ("wide" rooms) use the exact int64 cum64 instead.
	 */
	uint32	   *cum;
	int64	   *cum64;			/* NULL unless the room is wide */

	/*
	 * Two bytes per night: run[2i] is the number of consecutive sellable
	 * nights starting at night i (0 when night i has no rate or nothing
	 * available), saturated at 255; run[2i+1] is 0 when a stay cannot
	 * arrive on night i (closed to arrival) and its minimum stay otherwise,
	 * saturated at 255.
	 */
	uint8	   *nights;
} PricingRoom;

typedef struct PricingDiscount
{
	int32		room_id;		/* meaningful only when !all_rooms */
	bool		all_rooms;
	int32		percent;		/* hundredths of a percent */
	int32		min_nights;
	DateADT		checkin_from;	/* DATEVAL_NOBEGIN when NULL */
	DateADT		checkin_to;		/* DATEVAL_NOEND when NULL */
	int32		min_days_ahead; /* -1 when NULL */
} PricingDiscount;

typedef struct PricingHotel
{
	int64		hotel_id;
	const char *name;
	const char *city;
	const char *currency;		/* bpchar bytes, NUL-terminated */
	int16		stars;
	int32		vat_percent;	/* hundredths of a percent */
	int64		city_tax;		/* cents per guest per night */
	int64		fee_stay;		/* cents per stay */
	int64		fee_night;		/* cents per night */
	int64		fee_guest_night;	/* cents per guest per night */
	int32		nrooms;
	int32		ndiscounts;
	PricingRoom *rooms;			/* ordered by room_id */
	PricingDiscount *discounts;
} PricingHotel;

/* city -> its hotels, a simplehash table living in the arena */
typedef struct PricingCity
{
	const char *city;
	uint32		hash;
	char		status;
	int32		nhotels;
	PricingHotel **hotels;
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

typedef struct PricingShared
{
	LWLock	   *lock;			/* protects the fields marked (L) */

	pg_atomic_uint64 serving;	/* generation now serving, 0 before the first */
	PricingIndex *gens[2];

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
	int			last_errcode;
	char		last_error[PRICING_ERROR_LEN];	/* "" after a success */

	int			nslots;
	PricingReaderSlot slots[FLEXIBLE_ARRAY_MEMBER];
} PricingShared;

/* changes.c */
extern int64 pricing_change_count(void);

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
extern Size pricing_arena_context_failed_request(MemoryContext context);
extern Size pricing_arena_context_committed(MemoryContext context);
extern void pricing_arena_full_error(Size needed) pg_attribute_noreturn();
extern bool pricing_arena_half_attached(int half);

/* index.c */
extern PricingIndex *pricing_index_create(MemoryContext cxt);
extern void pricing_index_add_hotel(PricingIndex *index, PricingHotel *hotel,
									const char *city);
extern void pricing_index_link_cities(PricingIndex *index,
									  PricingHotel **hotels, int64 n);
extern const PricingCity *pricing_index_city(const PricingIndex *index,
											 const char *city);
extern const PricingHotel *pricing_index_hotel(const PricingIndex *index,
											   int64 hotel_id);

/* load.c */
extern PricingIndex *pricing_load_index(MemoryContext cxt, Size capacity);

/* price.c */
typedef struct PricingStay
{
	int32		first;			/* index of the check-in night in the window */
	int32		nights;
	int32		guests;
	DateADT		checkin;
	DateADT		booking_date;
} PricingStay;

typedef struct PricingPrice
{
	int128		base;
	int128		extra;
	int128		discount;
	int128		fees;
	int128		vat;
	int128		city_tax;
	int128		total;
} PricingPrice;

extern bool pricing_room_price(const PricingHotel *hotel,
							   const PricingRoom *room,
							   const PricingStay *stay,
							   PricingPrice *price);

/* privileges.c */
extern void pricing_check_read_privilege(void);
extern void pricing_check_refresh_privilege(void);

/* reader.c */
extern const PricingIndex *pricing_pin(bool missing_ok);
extern void pricing_unpin(void);

/* worker.c */
extern void pricing_register_worker(void);
extern PGDLLEXPORT void pricing_worker_main(Datum main_arg);

#endif							/* PRICING_H */
