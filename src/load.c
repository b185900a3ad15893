/*-------------------------------------------------------------------------
 *
 * load.c
 *		Build one generation of the index from the source tables.
 *
 * Called by the refresh worker inside a REPEATABLE READ transaction with
 * SPI connected, so every table is read in one snapshot.  Everything the
 * index keeps is allocated in the generation's arena context; everything
 * else (SPI results, the room lookup table, the list of oversized prices)
 * lives in a scratch context that is deleted before returning.
 *
 * Amounts are read as integer minor units: every amount column has scale
 * 2, so nothing is rounded on the way in.  The small tables go through SPI,
 * converted by the executor with exact numeric arithmetic ((x * 100)::int8);
 * the rates, the bulk of a refresh, are read with a plain heap scan and
 * their prices decoded straight from numeric's varlena form.  Percentages
 * become hundredths of a percent.
 *
 * A city's hotels are laid out in blocks of whole hotels (pricing.h), each
 * block's nightly arrays night-major over the window first_date ..
 * first_date + ndays - 1 (yesterday to pricing.horizon_days ahead).  The
 * size of every block is known once hotels and rooms are read, so the
 * loader knows what the generation needs before it allocates it, and says
 * so when it does not fit.  Once all rates are in, prices become prefix
 * sums and availability becomes run lengths, which make every stay's base
 * price and availability O(1).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pricing.h"

/* (hotel_id, room_id) -> room, worker-local, for placing rates */
typedef struct RoomKey
{
	int64		hotel_id;
	int32		room_id;
} RoomKey;

typedef struct RoomEntry
{
	RoomKey		key;
	char		status;
	int32		slot;			/* its index in the block */
	PricingBlock *block;
} RoomEntry;

static inline uint32
room_key_hash(RoomKey key)
{
	return hash_combine(murmurhash32((uint32) key.hotel_id ^
									 (uint32) ((uint64) key.hotel_id >> 32)),
						murmurhash32((uint32) key.room_id));
}

#define SH_PREFIX		room_hash
#define SH_ELEMENT_TYPE RoomEntry
#define SH_KEY_TYPE		RoomKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) room_key_hash(k)
#define SH_EQUAL(tb, a, b) ((a).hotel_id == (b).hotel_id && (a).room_id == (b).room_id)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* a nightly price too large for the 32-bit prefix sums */
typedef struct WideRate
{
	PricingBlock *block;
	int32		slot;
	int32		night;
	int64		price;
} WideRate;

/* a hotel_id and its row in the hotel query, to merge it with the rooms */
typedef struct IdRow
{
	int64		id;
	uint64		row;
} IdRow;

/* the rows of one hotel in the SPI results, while blocks are laid out */
typedef struct HotelRows
{
	uint64		hotel_row;		/* its row in the hotel query */
	uint64		first_room;		/* its first row in the room query */
	int32		nrooms;
} HotelRows;

/* the hotel and room queries' results, and which rooms are whose */
typedef struct HotelQuery
{
	SPITupleTable *ht;			/* hotels, by city (bytewise), then hotel_id */
	uint64		nh;
	SPITupleTable *rt;			/* rooms, by hotel_id, then room_id */
	uint64		nr;
	HotelRows  *rows;			/* rows[i]: hotel row i and its rooms */
} HotelQuery;

/* a block to build: hotel rows first .. first + nhotels - 1, of one city */
typedef struct BlockPlan
{
	uint64		first;
	int32		nhotels;
	int32		nrooms;
} BlockPlan;

/* a city to build: its name and its blocks, plan->blocks[first_block ..] */
typedef struct CityPlan
{
	char	   *name;
	int64		first_block;
	int32		nblocks;
} CityPlan;

/*
 * The layout of the generation's blocks, planned before anything is
 * allocated in the arena, and what it will take there.
 */
typedef struct LayoutPlan
{
	CityPlan   *cities;
	int64		ncities;
	BlockPlan  *blocks;
	int64		nblocks;
	Size		bytes;
} LayoutPlan;

/* the columns of pricing.rate that the loader decodes */
typedef struct RateColumns
{
	AttrNumber	hotel,
				room,
				date,
				price,
				available,
				min_stay,
				cta,
				max_stay,		/* InvalidAttrNumber in an installation of 1.0 */
				ctd,			/* likewise */
				last;			/* the highest of them */
} RateColumns;

typedef struct LoadState
{
	MemoryContext cxt;			/* the generation's arena context */
	MemoryContext scratch;		/* the load's own memory */
	PricingIndex *index;
	int32		ndays;
	room_hash_hash *rooms;
	PricingBlock **blocks;		/* every block, for finish_blocks() */
	int64		nblocks;
	WideRate   *wide;
	int64		nwide;
	int64		maxwide;
	bool		v11;			/* the tables are those of version 1.1 */
	const PricingPlan *standard;	/* plan 0 of hotels without a plan 0 row */

	/* when loading some hotels only (pricing_load_hotels): which */
	const int64 *ids;			/* sorted */
	int			nids;
	char	   *where;			/* "WHERE hotel_id = ANY (...)", or "" */
	char	   *and;			/* "AND hotel_id = ANY (...)", or "" */
	Datum		id_array;		/* the ids, an int8[]: the queries' $1 */

	/* while the rates load */
	const RateColumns *rate_cols;
	RoomEntry  *last_room;		/* the room of the last rate */
} LoadState;

/*
 * Rooms per block: as many as fit in about BLOCK_BYTES of nightly arrays,
 * so that no allocation is one of mimalloc's huge ones (over 16 MiB, each
 * in a segment of its own) and a big city is a few blocks.
 */
#define BLOCK_BYTES		((Size) 4 * 1024 * 1024)

/*
 * The first 16 bits of a stored numeric, after its varlena header.  Two
 * flag bits tell its form: short (a 2-byte header that also holds the sign
 * and a 7-bit signed weight), long (a 4-byte header: these 16 bits, whose
 * flags give the sign, then a 16-bit weight), or special (NaN, infinity).
 */
#define NUMHDR_FLAGS			0xC000
#define NUMHDR_LONG_NEG			0x4000
#define NUMHDR_SHORT			0x8000
#define NUMHDR_SPECIAL			0xC000
#define NUMHDR_SHORT_NEG		0x2000
#define NUMHDR_SHORT_WEIGHT_NEG 0x0040
#define NUMHDR_SHORT_WEIGHT		0x003F

static void load_init(LoadState *st, MemoryContext cxt);
static void load_sources(LoadState *st);
static void set_filter(LoadState *st, const int64 *ids, int nids);
static bool tables_are_v11(void);
static void check_constraints(LoadState *st);
static void load_exchange_rates(LoadState *st);
static void load_plans(LoadState *st);
static void read_plan(LoadState *st, SPITupleTable *tt, uint64 row,
					  PricingPlan *plan);
static const PricingPlan *standard_plan(LoadState *st);
static void load_occupancy(LoadState *st);
static RoomEntry *find_room(LoadState *st, const char *table, int64 hotel_id,
							int32 room_id);
static void load_hotels_and_rooms(LoadState *st);
static void read_hotels_and_rooms(LoadState *st, HotelQuery *q);
static void match_rooms(LoadState *st, HotelQuery *q);
static void plan_layout(LoadState *st, const HotelQuery *q, LayoutPlan *plan);
static uint64 city_end(const HotelQuery *q, uint64 i, const char *city);
static void require_space(LoadState *st, Size needed);
static void build_layout(LoadState *st, const HotelQuery *q,
						 const LayoutPlan *plan);
static void build_block(LoadState *st, PricingBlock *b, const char *city,
						SPITupleTable *ht, SPITupleTable *rt,
						HotelRows *hotels, int32 nhotels, int32 nrooms);
static void load_discounts(LoadState *st);
static void load_fees(LoadState *st);
static void load_rates(LoadState *st);
static void scan_rates(LoadState *st, Relation rel, TupleTableSlot *slot);
static void scan_hotel_rates(LoadState *st, Relation rel, TupleTableSlot *slot);
static void place_rate(LoadState *st, TupleTableSlot *slot);
static AttrNumber rate_column(Relation rel, const char *name, Oid type,
							  bool missing_ok);
static inline Datum slot_notnull(TupleTableSlot *slot, AttrNumber att);
static int64 numeric_cents(Datum datum, const char *column);
static void rate_check_error(const char *column, const char *what,
							 const RoomKey *key, DateADT night);
static void add_wide_rate(LoadState *st, PricingBlock *b, int32 slot,
						  int32 night, int64 price);
static void set_max_stay(LoadState *st, PricingRoom *room, int32 night,
						 int max_stay);
static void finish_blocks(LoadState *st);
static void city_orders(PricingCity *city, void *arg);
static void run_query(const char *sql);
static void run_source_query(LoadState *st, const char *sql);
static inline Datum col(SPITupleTable *tt, uint64 row, int attno, bool *isnull);
static inline Datum col_notnull(SPITupleTable *tt, uint64 row, int attno);
static char *text_col(SPITupleTable *tt, uint64 row, int attno);
static const text *arena_text(LoadState *st, SPITupleTable *tt, uint64 row,
							  int attno);
static void foreign_key_error(const char *table, int64 hotel_id)
			pg_attribute_noreturn();
static inline Size room_bytes(int32 ndays);
static int	id_row_cmp(const void *a, const void *b);

/*
 * Build a whole generation in cxt.  The caller owns the transaction, the
 * snapshot and the SPI connection.
 */
PricingIndex *
pricing_load_index(MemoryContext cxt)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	LoadState	st;
	PricingIndex *index;

	load_init(&st, cxt);
	index = st.index;
	/* the window starts yesterday, the day before that of the snapshot */
	index->first_date = pricing_today(GetCurrentTransactionStartTimestamp()) - 1;
	index->ndays = st.ndays;
	index->change_count = pricing_change_count();
	st.v11 = tables_are_v11();
	set_filter(&st, NULL, 0);

	check_constraints(&st);
	load_exchange_rates(&st);
	load_sources(&st);
	/* every generation has one, for the incremental refreshes after it */
	index->standard = standard_plan(&st);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(st.scratch);

	index->bytes = pricing_arena_context_bytes(cxt);
	return index;
}

/*
 * Build, in cxt, an index of the given hotels alone (those of them the
 * tables still have), over base's window and with its exchange rates and
 * standard plan, as pricing_load_index() would build them: the parts that
 * incremental.c splices into the next generation.  The caller has made sure
 * that the window and the exchange rates are still base's.
 */
PricingIndex *
pricing_load_hotels(MemoryContext cxt, const PricingIndex *base,
					const int64 *ids, int nids)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	LoadState	st;
	PricingIndex *index;

	load_init(&st, cxt);
	index = st.index;
	st.ndays = base->ndays;
	index->first_date = base->first_date;
	index->ndays = base->ndays;
	index->fx = base->fx;
	index->nfx = base->nfx;
	st.standard = base->standard;
	st.v11 = tables_are_v11();
	set_filter(&st, ids, nids);

	check_constraints(&st);
	load_sources(&st);
	index->standard = st.standard;

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(st.scratch);
	return index;
}

/* start a load into cxt, with a scratch context of its own, made current */
static void
load_init(LoadState *st, MemoryContext cxt)
{
	MemoryContext scratch;

	if (!OidIsValid(get_extension_oid("pricing", true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"pricing\" is not installed in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errhint("Run CREATE EXTENSION pricing in the database named by pricing.database.")));

	scratch = AllocSetContextCreate(CurrentMemoryContext,
									"pricing refresh scratch",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(scratch);

	memset(st, 0, sizeof(*st));
	st->cxt = cxt;
	st->scratch = scratch;
	st->index = pricing_index_create(cxt);
	st->ndays = pricing_horizon_days + 2;
	st->index->database = MyDatabaseId;
}

/* everything but the exchange rates, in the order each needs the last */
static void
load_sources(LoadState *st)
{
	load_hotels_and_rooms(st);
	load_plans(st);
	load_occupancy(st);
	load_discounts(st);
	load_fees(st);
	load_rates(st);
	finish_blocks(st);
}

/*
 * The condition that limits the queries to the given hotels (none: all),
 * in the two forms they need.  Allocated in the scratch context.
 */
static void
set_filter(LoadState *st, const int64 *ids, int nids)
{
	Datum	   *datums;

	st->ids = ids;
	st->nids = nids;
	if (ids == NULL)
	{
		st->where = pstrdup("");
		st->and = "";
		return;
	}
	datums = palloc(sizeof(Datum) * Max(nids, 1));
	for (int i = 0; i < nids; i++)
		datums[i] = Int64GetDatum(ids[i]);
	st->id_array = PointerGetDatum(construct_array(datums, nids, INT8OID,
												   sizeof(int64), FLOAT8PASSBYVAL,
												   TYPALIGN_DOUBLE));
	st->where = "WHERE hotel_id OPERATOR(pg_catalog.=) ANY ($1)";
	st->and = "AND hotel_id OPERATOR(pg_catalog.=) ANY ($1)";
}

/*
 * The CHECK constraints of the source tables, each as the condition a row
 * must meet.  The index relies on every one (a min_days_ahead of -3 would
 * read as "no condition" and grant a discount), and the tables are the
 * user's: a constraint can be dropped, and a row that then breaks it would
 * not only get a price the contract does not define, it would make
 * cheapest's bounds (bounds.c) and pruning wrong for other hotels too.  So
 * the refresh checks them all and fails on the first violation, naming it.
 * The rates' constraints are checked as they are decoded (load_rates), the
 * others here.  The test suite compares this list with the constraints the
 * extension script creates.
 */
typedef struct SourceCheck
{
	const char *table;
	const char *column;			/* or the columns the condition reads */
	const char *value;			/* SQL expression of what the row holds */
	const char *holds;			/* SQL condition over the row */
	const char *row;			/* SQL expression naming the row */
	bool		v11;			/* a constraint of version 1.1 */
} SourceCheck;

#define OF_HOTEL	"'hotel ' || hotel_id"
#define OF_ROOM		"'room ' || room_id || ' of hotel ' || hotel_id"
#define OF_PLAN		"'plan ' || plan_id || ' of hotel ' || hotel_id"

static const SourceCheck source_checks[] = {
	{"hotel", "stars", "stars", "stars >= 0 AND stars <= 5", OF_HOTEL},
	{"hotel", "vat_percent", "vat_percent", "vat_percent >= 0 AND vat_percent <= 100", OF_HOTEL},
	{"hotel", "city_tax", "city_tax", "city_tax >= 0", OF_HOTEL},
	{"hotel", "(infant_age, child_age)", "(infant_age, child_age)",
	"0 <= infant_age AND infant_age <= child_age AND child_age <= 18", OF_HOTEL, true},
	{"room", "max_guests", "max_guests", "max_guests >= 1", OF_ROOM},
	{"room", "base_guests", "base_guests", "base_guests >= 1", OF_ROOM},
	{"room", "extra_guest_fee", "extra_guest_fee", "extra_guest_fee >= 0", OF_ROOM},
	{"room", "max_infants", "max_infants", "max_infants >= 0", OF_ROOM, true},
	{"room", "extra_child_fee", "extra_child_fee", "extra_child_fee >= 0", OF_ROOM, true},
	{"discount", "percent", "percent", "percent > 0 AND percent <= 100", OF_HOTEL},
	{"discount", "min_nights", "min_nights", "min_nights >= 1", OF_HOTEL},
	{"discount", "min_days_ahead", "min_days_ahead", "min_days_ahead >= 0", OF_HOTEL},
	{"fee", "amount", "amount", "amount >= 0", OF_HOTEL},
	{"fee", "per", "per", "per IN ('stay', 'night', 'guest_night')", OF_HOTEL},
	{"rate_plan", "plan_id", "plan_id", "plan_id >= 0", OF_PLAN, true},
	{"rate_plan", "board", "board",
	"board IN ('room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive')", OF_PLAN, true},
	{"rate_plan", "board_fee", "board_fee", "board_fee >= 0", OF_PLAN, true},
	{"rate_plan", "cancel_days", "cancel_days", "cancel_days >= 0", OF_PLAN, true},
	{"rate_plan", "adjust_percent", "adjust_percent",
	"adjust_percent >= -100 AND adjust_percent <= 100", OF_PLAN, true},
	{"rate_plan", "min_stay", "min_stay", "min_stay >= 1", OF_PLAN, true},
	{"rate_plan", "max_stay", "max_stay", "max_stay >= 1", OF_PLAN, true},
	{"rate_plan", "min_days_ahead", "min_days_ahead", "min_days_ahead >= 0", OF_PLAN, true},
	{"rate_plan", "max_days_ahead", "max_days_ahead", "max_days_ahead >= 0", OF_PLAN, true},
	{"rate_plan", "(plan_id, room_id, adjust_percent, adjust_amount)",
		"(plan_id, room_id, adjust_percent, adjust_amount)",
	"plan_id > 0 OR (room_id IS NULL AND adjust_percent = 0 AND adjust_amount = 0)", OF_PLAN, true},
	{"occupancy", "occupants", "occupants", "occupants >= 1", OF_ROOM, true},
	{"occupancy", "adjust_percent", "adjust_percent",
	"adjust_percent >= -100 AND adjust_percent <= 100", OF_ROOM, true},
	{"exchange_rate", "per_unit", "per_unit", "per_unit > 0", "'currency ' || currency", true},
};

/*
 * Whether the source tables are those of version 1.1: the library serves
 * an installation of 1.0 until ALTER EXTENSION pricing UPDATE, and its
 * refreshes must read the tables that installation has.
 */
static bool
tables_are_v11(void)
{
	char	   *version;
	bool		v11;

	run_query("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pricing'");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"pricing\" is not installed in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errdetail("The refresh's snapshot does not see the extension.")));
	version = text_col(SPI_tuptable, 0, 1);
	v11 = strcmp(version, "1.0") != 0;
	SPI_freetuptable(SPI_tuptable);
	return v11;
}

static void
check_constraints(LoadState *st)
{
	StringInfoData q;
	bool		first = true;

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT t, c, v, id FROM (");
	for (int i = 0; i < lengthof(source_checks); i++)
	{
		const SourceCheck *c = &source_checks[i];

		bool		per_hotel = strcmp(c->table, "exchange_rate") != 0;

		if (c->v11 && !st->v11)
			continue;
		/* loading some hotels: the exchange rates are the base's */
		if (st->ids != NULL && !per_hotel)
			continue;
		/* NOT (x) IS NOT FALSE: a NULL passes, as it passes a CHECK */
		appendStringInfo(&q, "%s SELECT %d AS o, '%s' AS t, '%s' AS c,"
						 " (%s)::text AS v, %s AS id"
						 " FROM pricing.%s WHERE (%s) IS FALSE %s",
						 first ? "" : " UNION ALL", i, c->table, c->column,
						 c->value, c->row, c->table, c->holds,
						 per_hotel ? st->and : "");
		first = false;
	}
	appendStringInfoString(&q, ") x ORDER BY o LIMIT 1");
	run_source_query(st, q.data);
	pfree(q.data);
	if (SPI_processed == 0)
		return;

	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("pricing.%s.%s holds %s, which its CHECK constraint forbids",
					text_col(SPI_tuptable, 0, 1), text_col(SPI_tuptable, 0, 2),
					text_col(SPI_tuptable, 0, 3)),
			 errdetail("The row is of %s; the index relies on the constraint.",
					   text_col(SPI_tuptable, 0, 4))));
}

/*
 * The exchange rates, before the hotels, which find their currency's.
 */
static void
load_exchange_rates(LoadState *st)
{
	PricingExchange *fx;
	uint64		n;

	if (!st->v11)
		return;
	run_query("SELECT rtrim(currency::text) AS \"pricing.exchange_rate.currency\","
			  " per_unit::numeric AS \"pricing.exchange_rate.per_unit\""
			  " FROM pricing.exchange_rate ORDER BY 1");
	n = SPI_processed;
	if (n > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("pricing.exchange_rate holds more than %d currencies", PG_INT16_MAX)));
	fx = MemoryContextAllocZero(st->cxt, sizeof(PricingExchange) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		char	   *code = text_col(SPI_tuptable, i, 1);
		Numeric		per_unit = DatumGetNumericCopy(col_notnull(SPI_tuptable, i, 2));
		Numeric		copy;

		if (strlen(code) >= sizeof(fx[i].code))
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("pricing.exchange_rate.currency holds \"%s\", longer than a currency code", code),
					 errdetail("The index relies on the column's type, char(3).")));
		if (i > 0 && strcmp(code, fx[i - 1].code) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("pricing.exchange_rate holds currency \"%s\" twice", code),
					 errdetail("The index relies on the primary key of pricing.exchange_rate.")));
		if (numeric_is_nan(per_unit) || numeric_is_inf(per_unit))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("pricing.exchange_rate.per_unit holds %s, which its CHECK constraint forbids",
							numeric_is_nan(per_unit) ? "NaN" : "an infinity"),
					 errdetail("The row is of currency %s; the index relies on the constraint.", code)));
		strlcpy(fx[i].code, code, sizeof(fx[i].code));
		copy = MemoryContextAlloc(st->cxt, VARSIZE(per_unit));
		memcpy(copy, per_unit, VARSIZE(per_unit));
		fx[i].per_unit = copy;
		fx[i].approx = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														  NumericGetDatum(per_unit)));
	}
	SPI_freetuptable(SPI_tuptable);
	st->index->fx = fx;
	st->index->nfx = (int32) n;
}

/*
 * Hotels and rooms: read them, plan the layout of the blocks, check that
 * it fits, and build it.  The plan comes first so that a generation that
 * cannot fit fails before it allocates, saying how much it needs.
 */
static void
load_hotels_and_rooms(LoadState *st)
{
	HotelQuery	q;
	LayoutPlan	plan;

	read_hotels_and_rooms(st, &q);
	match_rooms(st, &q);
	plan_layout(st, &q, &plan);
	require_space(st, plan.bytes);
	build_layout(st, &q, &plan);

	st->index->nhotels = q.nh;
	SPI_freetuptable(q.rt);
	SPI_freetuptable(q.ht);
}

/*
 * Run the hotel and room queries.  The hotels come by city, ordered by the
 * bytes of the name so that equal names are adjacent; the rooms by
 * hotel_id.
 */
static void
read_hotels_and_rooms(LoadState *st, HotelQuery *q)
{
	run_source_query(st, psprintf("SELECT hotel_id::int8 AS \"pricing.hotel.hotel_id\","
					   " city::text AS \"pricing.hotel.city\","
					   " name::text AS \"pricing.hotel.name\","
					   " stars::int2 AS \"pricing.hotel.stars\","
					   " currency::bpchar AS \"pricing.hotel.currency\","
					   " (vat_percent * 100)::int4 AS \"pricing.hotel.vat_percent\","
					   " (city_tax * 100)::int8 AS \"pricing.hotel.city_tax\","
					   " %s"
					   " FROM pricing.hotel %s ORDER BY city::text COLLATE \"C\", 1",
					   st->v11 ?
					   "infant_age::int2 AS \"pricing.hotel.infant_age\","
					   " child_age::int2 AS \"pricing.hotel.child_age\"" :
					   "2::int2, 12::int2", st->where));
	q->ht = SPI_tuptable;
	q->nh = SPI_processed;
	run_source_query(st, psprintf("SELECT hotel_id::int8 AS \"pricing.room.hotel_id\","
					   " room_id::int4 AS \"pricing.room.room_id\","
					   " max_guests::int2 AS \"pricing.room.max_guests\","
					   " base_guests::int2 AS \"pricing.room.base_guests\","
					   " (extra_guest_fee * 100)::int8 AS \"pricing.room.extra_guest_fee\","
					   " %s"
					   " FROM pricing.room %s ORDER BY 1, 2",
					   st->v11 ?
					   "max_infants::int2 AS \"pricing.room.max_infants\","
					   " (extra_child_fee * 100)::int8" :
					   "1::int2, NULL::int8", st->where));
	q->rt = SPI_tuptable;
	q->nr = SPI_processed;
}

/*
 * Find each hotel's run of rooms: merge the rooms, which come by hotel_id,
 * with the hotels taken in hotel_id order.  A room whose hotel_id no hotel
 * has breaks the foreign key.
 */
static void
match_rooms(LoadState *st, HotelQuery *q)
{
	IdRow	   *byid;
	uint64		r = 0;

	q->rows = palloc0(sizeof(HotelRows) * Max(q->nh, 1));
	byid = palloc(sizeof(IdRow) * Max(q->nh, 1));
	for (uint64 i = 0; i < q->nh; i++)
	{
		byid[i].id = DatumGetInt64(col_notnull(q->ht, i, 1));
		byid[i].row = i;
		q->rows[i].hotel_row = i;
	}
	qsort(byid, q->nh, sizeof(IdRow), id_row_cmp);
	for (uint64 k = 0; k < q->nh; k++)
	{
		HotelRows  *h = &q->rows[byid[k].row];

		if (r < q->nr && DatumGetInt64(col_notnull(q->rt, r, 1)) < byid[k].id)
			break;				/* a room of an unknown hotel: below */
		h->first_room = r;
		while (r < q->nr && DatumGetInt64(col_notnull(q->rt, r, 1)) == byid[k].id)
			r++;
		h->nrooms = (int32) (r - h->first_room);
		st->index->nrooms += h->nrooms;
	}
	if (r < q->nr)
		foreign_key_error("room", DatumGetInt64(col_notnull(q->rt, r, 1)));
	pfree(byid);
}

/*
 * Plan the layout: cut each city's hotels into blocks of whole hotels, of
 * at most BLOCK_BYTES of nightly arrays unless one hotel alone needs more,
 * and add up what the blocks, the cities' scan orders and (roughly) the
 * names and hash tables will take in the arena.
 */
static void
plan_layout(LoadState *st, const HotelQuery *q, LayoutPlan *plan)
{
	int32		capacity = Max(1, (int32) (BLOCK_BYTES / room_bytes(st->ndays)));
	uint64		i = 0;

	/* a city and a block hold one hotel at least */
	plan->cities = palloc(sizeof(CityPlan) * Max(q->nh, 1));
	plan->blocks = palloc(sizeof(BlockPlan) * Max(q->nh, 1));
	plan->ncities = 0;
	plan->nblocks = 0;
	plan->bytes = 0;

	while (i < q->nh)
	{
		CityPlan   *city = &plan->cities[plan->ncities++];
		uint64		end;

		city->name = text_col(q->ht, i, 2);
		end = city_end(q, i, city->name);
		city->first_block = plan->nblocks;

		for (uint64 k = i; k < end;)
		{
			BlockPlan  *block = &plan->blocks[plan->nblocks++];

			block->first = k;
			block->nrooms = 0;
			while (k < end && (k == block->first ||
							   block->nrooms + q->rows[k].nrooms <= capacity))
				block->nrooms += q->rows[k++].nrooms;
			block->nhotels = (int32) (k - block->first);
			plan->bytes += (sizeof(PricingHotel) + sizeof(PricingBrief)) * block->nhotels +
				(sizeof(PricingRoom) + sizeof(uint16)) * block->nrooms +
				room_bytes(st->ndays) * Max(block->nrooms, 1) + 64;
		}
		city->nblocks = (int32) (plan->nblocks - city->first_block);
		plan->bytes += pricing_city_order_bytes(end - i, st->ndays);
		i = end;
	}

	/* names and the hash tables come on top; count them roughly */
	plan->bytes += q->nh * 64 + q->nr * 16;
}

/*
 * One past the last hotel row of the city of row i, whose name is city: the
 * rows come by city.
 */
static uint64
city_end(const HotelQuery *q, uint64 i, const char *city)
{
	uint64		j = i;

	while (j < q->nh)
	{
		char	   *other = text_col(q->ht, j, 2);
		bool		same = strcmp(city, other) == 0;

		pfree(other);
		if (!same)
			break;
		j++;
	}
	return j;
}

/*
 * Fail now, with the error that says how much is needed, when the arena's
 * half has no room for what the plan will take on top of what the
 * generation holds already.
 */
static void
require_space(LoadState *st, Size needed)
{
	Size		held;

	/* a hotel loaded into local memory, to book it (booking.c) */
	if (!pricing_is_arena_context(st->cxt))
		return;
	held = pricing_arena_context_bytes(st->cxt);

	if (needed > pricing_shared->half_size - held)
		pricing_arena_full_error(st->cxt, held + needed);
}

/*
 * Build the planned layout: each city's entry in the index and its blocks,
 * in the plan's order, and the lookup table of rooms that places the rates.
 */
static void
build_layout(LoadState *st, const HotelQuery *q, const LayoutPlan *plan)
{
	st->rooms = room_hash_create(CurrentMemoryContext, Max(q->nr, 16), NULL);
	st->blocks = palloc(sizeof(PricingBlock *) * Max(plan->nblocks, 1));

	for (int64 c = 0; c < plan->ncities; c++)
	{
		const CityPlan *cp = &plan->cities[c];
		PricingCity *city = pricing_index_add_city(st->index, cp->name);

		city->nblocks = cp->nblocks;
		city->blocks = MemoryContextAlloc(st->cxt,
										  sizeof(PricingBlock *) * cp->nblocks);
		for (int32 b = 0; b < cp->nblocks; b++)
		{
			const BlockPlan *bp = &plan->blocks[cp->first_block + b];

			city->blocks[b] = MemoryContextAllocZero(st->cxt, sizeof(PricingBlock));
			build_block(st, city->blocks[b], city->city, q->ht, q->rt,
						&q->rows[bp->first], bp->nhotels, bp->nrooms);
		}
	}
}

/*
 * Lay out one block: hotels hotels[0 .. nhotels) of one city, with
 * nrooms rooms between them.
 */
static void
build_block(LoadState *st, PricingBlock *b, const char *city,
			SPITupleTable *ht, SPITupleTable *rt,
			HotelRows *hotels, int32 nhotels, int32 nrooms)
{
	int32		slot = 0;

	b->nhotels = nhotels;
	b->nrooms = nrooms;
	b->hotels = MemoryContextAllocZero(st->cxt, sizeof(PricingHotel) * nhotels);
	b->rooms = MemoryContextAllocZero(st->cxt, sizeof(PricingRoom) * Max(nrooms, 1));
	b->nights = MemoryContextAllocZero(st->cxt, PRICING_NIGHT_BYTES * (Size) st->ndays * Max(nrooms, 1));
	b->rows = MemoryContextAllocZero(st->cxt, ((Size) st->ndays * Max(nrooms, 1) + 7) / 8);
	b->cum = MemoryContextAllocZero(st->cxt,
									sizeof(uint32) * ((Size) st->ndays + 1) * Max(nrooms, 1));
	st->blocks[st->nblocks++] = b;

	for (int32 i = 0; i < nhotels; i++)
	{
		PricingHotel *h = &b->hotels[i];
		uint64		row = hotels[i].hotel_row;

		h->hotel_id = DatumGetInt64(col_notnull(ht, row, 1));
		h->name = arena_text(st, ht, row, 3);
		h->stars = DatumGetInt16(col_notnull(ht, row, 4));
		h->currency = arena_text(st, ht, row, 5);
		h->vat_percent = DatumGetInt32(col_notnull(ht, row, 6));
		h->city_tax = DatumGetInt64(col_notnull(ht, row, 7));
		h->infant_age = DatumGetInt16(col_notnull(ht, row, 8));
		h->child_age = DatumGetInt16(col_notnull(ht, row, 9));
		h->fx = (int16) pricing_index_currency(st->index, h->currency);
		h->nplans = 1;
		h->plans = standard_plan(st);
		h->block = b;
		h->first_room = slot;
		h->nrooms = hotels[i].nrooms;
		h->city = city;
		pricing_index_add_hotel(st->index, h);

		for (int32 k = 0; k < hotels[i].nrooms; k++)
		{
			uint64		rrow = hotels[i].first_room + k;
			PricingRoom *r = &b->rooms[slot];
			RoomKey		key;
			RoomEntry  *entry;
			bool		found;
			bool		isnull;
			Datum		v;

			r->room_id = DatumGetInt32(col_notnull(rt, rrow, 2));
			r->max_guests = DatumGetInt16(col_notnull(rt, rrow, 3));
			r->base_guests = DatumGetInt16(col_notnull(rt, rrow, 4));
			r->extra_fee = DatumGetInt64(col_notnull(rt, rrow, 5));
			r->max_infants = DatumGetInt16(col_notnull(rt, rrow, 6));
			v = col(rt, rrow, 7, &isnull);
			r->child_fee = isnull ? r->extra_fee : DatumGetInt64(v);

			key.hotel_id = h->hotel_id;
			key.room_id = r->room_id;
			entry = room_hash_insert(st->rooms, key, &found);
			if (found)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("pricing.room holds room %d of hotel " INT64_FORMAT " twice",
								key.room_id, key.hotel_id),
						 errdetail("The index relies on the primary key of pricing.room.")));
			entry->block = b;
			entry->slot = slot;
			slot++;
		}
	}
}

/*
 * Rate plans, a hotel's by plan_id.  A hotel without a row for plan 0 sells
 * its rooms under the standard plan 0 all the same.
 */
static void
load_plans(LoadState *st)
{
	uint64		n;
	uint64		i = 0;

	if (!st->v11)
		return;
	run_source_query(st, psprintf("SELECT hotel_id::int8 AS \"pricing.rate_plan.hotel_id\","
			  " plan_id::int4 AS \"pricing.rate_plan.plan_id\","
			  " name::text AS \"pricing.rate_plan.name\", room_id::int4,"
			  " array_position(ARRAY['room_only', 'breakfast', 'half_board',"
			  " 'full_board', 'all_inclusive'], board::text)::int4 - 1"
			  " AS \"pricing.rate_plan.board\","
			  " (board_fee * 100)::int8 AS \"pricing.rate_plan.board_fee\","
			  " refundable::bool AS \"pricing.rate_plan.refundable\","
			  " cancel_days::int4, (adjust_percent * 100)::int4"
			  " AS \"pricing.rate_plan.adjust_percent\","
			  " (adjust_amount * 100)::int8 AS \"pricing.rate_plan.adjust_amount\","
			  " min_stay::int4 AS \"pricing.rate_plan.min_stay\", max_stay::int4,"
			  " min_days_ahead::int4, max_days_ahead::int4"
			  " FROM pricing.rate_plan %s ORDER BY 1, 2", st->where));
	n = SPI_processed;
	while (i < n)
	{
		int64		hotel_id = DatumGetInt64(col_notnull(SPI_tuptable, i, 1));
		PricingHotel *h = (PricingHotel *) pricing_index_hotel(st->index, hotel_id);
		bool		has_standard = DatumGetInt32(col_notnull(SPI_tuptable, i, 2)) == 0;
		PricingPlan *plans;
		uint64		j = i;
		int32		k = 0;

		while (j < n && DatumGetInt64(col_notnull(SPI_tuptable, j, 1)) == hotel_id)
			j++;
		if (h == NULL)
			foreign_key_error("rate_plan", hotel_id);

		h->nplans = (int32) (j - i) + (has_standard ? 0 : 1);
		plans = MemoryContextAlloc(st->cxt, sizeof(PricingPlan) * h->nplans);
		if (!has_standard)
			plans[k++] = *standard_plan(st);
		for (uint64 row = i; row < j; row++)
		{
			read_plan(st, SPI_tuptable, row, &plans[k]);
			if (k > 0 && plans[k].plan_id == plans[k - 1].plan_id)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("pricing.rate_plan holds plan %d of hotel " INT64_FORMAT " twice",
								plans[k].plan_id, hotel_id),
						 errdetail("The index relies on the primary key of pricing.rate_plan.")));
			k++;
		}
		h->plans = plans;
		i = j;
	}
	SPI_freetuptable(SPI_tuptable);
}

/* one row of the plan query */
static void
read_plan(LoadState *st, SPITupleTable *tt, uint64 row, PricingPlan *p)
{
	bool		isnull;
	Datum		v;
	int32		board;

	p->plan_id = DatumGetInt32(col_notnull(tt, row, 2));
	p->name = arena_text(st, tt, row, 3);
	v = col(tt, row, 4, &isnull);
	p->all_rooms = isnull;
	p->room_id = isnull ? 0 : DatumGetInt32(v);
	board = DatumGetInt32(col_notnull(tt, row, 5));
	Assert(board >= 0 && board < PRICING_NBOARDS);	/* checked */
	p->board = (uint8) board;
	p->board_fee = DatumGetInt64(col_notnull(tt, row, 6));
	p->refundable = DatumGetBool(col_notnull(tt, row, 7));
	v = col(tt, row, 8, &isnull);
	p->cancel_days = isnull ? 0 : DatumGetInt32(v);
	p->adjust_percent = DatumGetInt32(col_notnull(tt, row, 9));
	p->adjust_amount = DatumGetInt64(col_notnull(tt, row, 10));
	p->min_stay = DatumGetInt32(col_notnull(tt, row, 11));
	v = col(tt, row, 12, &isnull);
	p->max_stay = isnull ? PG_INT32_MAX : DatumGetInt32(v);
	v = col(tt, row, 13, &isnull);
	p->min_days_ahead = isnull ? -1 : DatumGetInt32(v);
	v = col(tt, row, 14, &isnull);
	p->max_days_ahead = isnull ? -1 : DatumGetInt32(v);
}

/*
 * The standard plan 0 of a hotel without a row for it: one copy per
 * generation, shared by all such hotels.
 */
static const PricingPlan *
standard_plan(LoadState *st)
{
	if (st->standard == NULL)
	{
		PricingPlan *p = MemoryContextAllocZero(st->cxt, sizeof(PricingPlan));
		text	   *name = cstring_to_text("standard");
		text	   *copy = MemoryContextAlloc(st->cxt, VARSIZE(name));

		memcpy(copy, name, VARSIZE(name));
		p->plan_id = 0;
		p->name = copy;
		p->all_rooms = true;
		p->board = PRICING_BOARD_ROOM_ONLY;
		p->refundable = true;
		p->min_stay = 1;
		p->max_stay = PG_INT32_MAX;
		p->min_days_ahead = -1;
		p->max_days_ahead = -1;
		st->standard = p;
	}
	return st->standard;
}

/*
 * Occupancy rows, a room's by occupants.
 */
static void
load_occupancy(LoadState *st)
{
	uint64		n;
	uint64		i = 0;

	if (!st->v11)
		return;
	run_source_query(st, psprintf("SELECT hotel_id::int8 AS \"pricing.occupancy.hotel_id\","
			  " room_id::int4 AS \"pricing.occupancy.room_id\","
			  " occupants::int2 AS \"pricing.occupancy.occupants\","
			  " (adjust_percent * 100)::int4 AS \"pricing.occupancy.adjust_percent\""
			  " FROM pricing.occupancy %s ORDER BY 1, 2, 3", st->where));
	n = SPI_processed;
	while (i < n)
	{
		int64		hotel_id = DatumGetInt64(col_notnull(SPI_tuptable, i, 1));
		int32		room_id = DatumGetInt32(col_notnull(SPI_tuptable, i, 2));
		RoomEntry  *entry = find_room(st, "occupancy", hotel_id, room_id);
		PricingRoom *room = &entry->block->rooms[entry->slot];
		PricingOccupancy *occ;
		uint64		j = i;

		while (j < n && DatumGetInt64(col_notnull(SPI_tuptable, j, 1)) == hotel_id &&
			   DatumGetInt32(col_notnull(SPI_tuptable, j, 2)) == room_id)
			j++;
		if (j - i > PG_INT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("pricing.occupancy holds too many rows for room %d of hotel " INT64_FORMAT,
							room_id, hotel_id)));
		occ = MemoryContextAlloc(st->cxt, sizeof(PricingOccupancy) * (j - i));
		room->nocc = (int16) (j - i);
		for (uint64 row = i; row < j; row++)
		{
			PricingOccupancy *o = &occ[row - i];

			o->occupants = DatumGetInt16(col_notnull(SPI_tuptable, row, 3));
			o->percent = DatumGetInt32(col_notnull(SPI_tuptable, row, 4));
			if (row > i && o->occupants == o[-1].occupants)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("pricing.occupancy holds %d occupants of room %d of hotel " INT64_FORMAT " twice",
								o->occupants, room_id, hotel_id),
						 errdetail("The index relies on the primary key of pricing.occupancy.")));
		}
		room->occ = occ;
		i = j;
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The room of a row of table, which must exist: the foreign key says so,
 * but the tables are the user's.
 */
static RoomEntry *
find_room(LoadState *st, const char *table, int64 hotel_id, int32 room_id)
{
	RoomKey		key;
	RoomEntry  *entry;

	key.hotel_id = hotel_id;
	key.room_id = room_id;
	entry = room_hash_lookup(st->rooms, key);
	if (entry == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("pricing.%s holds a row of room %d of hotel " INT64_FORMAT ", which pricing.room does not have",
						table, room_id, hotel_id),
				 errdetail("The index relies on the foreign key of pricing.%s.", table)));
	return entry;
}

static void
load_discounts(LoadState *st)
{
	uint64		n;
	uint64		i = 0;

	run_source_query(st, psprintf("SELECT hotel_id::int8 AS \"pricing.discount.hotel_id\","
					   " room_id::int4, (percent * 100)::int4 AS \"pricing.discount.percent\","
					   " min_nights::int4 AS \"pricing.discount.min_nights\","
					   " checkin_from::date, checkin_to::date, min_days_ahead::int4, %s"
					   " FROM pricing.discount %s ORDER BY 1",
					   st->v11 ? "plan_id::int4" : "NULL::int4", st->where));
	n = SPI_processed;

	while (i < n)
	{
		int64		hotel_id = DatumGetInt64(col_notnull(SPI_tuptable, i, 1));
		PricingHotel *h = (PricingHotel *) pricing_index_hotel(st->index, hotel_id);
		uint64		j = i;

		while (j < n && DatumGetInt64(col_notnull(SPI_tuptable, j, 1)) == hotel_id)
			j++;
		if (h == NULL)
			foreign_key_error("discount", hotel_id);

		h->ndiscounts = j - i;
		h->discounts = MemoryContextAlloc(st->cxt, h->ndiscounts * sizeof(PricingDiscount));
		for (uint64 k = i; k < j; k++)
		{
			SPITupleTable *tt = SPI_tuptable;
			PricingDiscount *d = &h->discounts[k - i];
			bool		isnull;
			Datum		v;

			v = col(tt, k, 2, &isnull);
			d->all_rooms = isnull;
			d->room_id = isnull ? 0 : DatumGetInt32(v);
			d->percent = DatumGetInt32(col_notnull(tt, k, 3));
			d->min_nights = DatumGetInt32(col_notnull(tt, k, 4));
			v = col(tt, k, 5, &isnull);
			d->checkin_from = isnull ? DATEVAL_NOBEGIN : DatumGetDateADT(v);
			v = col(tt, k, 6, &isnull);
			d->checkin_to = isnull ? DATEVAL_NOEND : DatumGetDateADT(v);
			v = col(tt, k, 7, &isnull);
			d->min_days_ahead = isnull ? -1 : DatumGetInt32(v);
			v = col(tt, k, 8, &isnull);
			d->plan_id = isnull ? -1 : DatumGetInt32(v);
			if (d->plan_id < -1)
				d->plan_id = -2;	/* matches no plan, as no plan_id is negative */

			/* an upper bound of any stay's discount, for pruning */
			for (int32 r = 0; r < h->nrooms; r++)
			{
				PricingRoom *room = &h->block->rooms[h->first_room + r];

				room->max_discount = Max(room->max_discount, d->percent);
			}
		}
		i = j;
	}
	SPI_freetuptable(SPI_tuptable);
}

static void
load_fees(LoadState *st)
{
	uint64		n;

	run_source_query(st, psprintf("SELECT hotel_id::int8 AS \"pricing.fee.hotel_id\","
			  " (coalesce(sum(amount) FILTER (WHERE per = 'stay'), 0) * 100)::int8,"
			  " (coalesce(sum(amount) FILTER (WHERE per = 'night'), 0) * 100)::int8,"
			  " (coalesce(sum(amount) FILTER (WHERE per = 'guest_night'), 0) * 100)::int8"
			  " FROM pricing.fee %s GROUP BY hotel_id", st->where));
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		int64		hotel_id = DatumGetInt64(col_notnull(SPI_tuptable, i, 1));
		PricingHotel *h = (PricingHotel *) pricing_index_hotel(st->index, hotel_id);

		if (h == NULL)
			foreign_key_error("fee", hotel_id);
		h->fee_stay = DatumGetInt64(col_notnull(SPI_tuptable, i, 2));
		h->fee_night = DatumGetInt64(col_notnull(SPI_tuptable, i, 3));
		h->fee_guest_night = DatumGetInt64(col_notnull(SPI_tuptable, i, 4));
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Rates are read with a plain scan of pricing.rate in the refresh's
 * snapshot, without going through the executor: no expression evaluation,
 * no text conversion, one deform per row.  A whole load scans the table;
 * a load of some hotels reads theirs through the primary key.
 */
static void
load_rates(LoadState *st)
{
	Relation	rel;
	TupleTableSlot *slot;
	RateColumns cols;

	rel = table_openrv(makeRangeVar("pricing", "rate", -1), AccessShareLock);

	/* no executor here to check the privilege the queries above need */
	if (pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "rate");
	cols.hotel = rate_column(rel, "hotel_id", INT8OID, false);
	cols.room = rate_column(rel, "room_id", INT4OID, false);
	cols.date = rate_column(rel, "stay_date", DATEOID, false);
	cols.price = rate_column(rel, "price", NUMERICOID, false);
	cols.available = rate_column(rel, "available", INT4OID, false);
	cols.min_stay = rate_column(rel, "min_stay", INT2OID, false);
	cols.cta = rate_column(rel, "closed_to_arrival", BOOLOID, false);
	cols.max_stay = rate_column(rel, "max_stay", INT2OID, !st->v11);
	cols.ctd = rate_column(rel, "closed_to_departure", BOOLOID, !st->v11);
	cols.last = Max(Max(Max(cols.hotel, cols.room), Max(cols.date, cols.price)),
					Max(Max(cols.available, cols.min_stay),
						Max(cols.cta, Max(cols.max_stay, cols.ctd))));
	st->rate_cols = &cols;
	st->last_room = NULL;

	slot = table_slot_create(rel, NULL);
	if (st->ids == NULL)
		scan_rates(st, rel, slot);
	else
		scan_hotel_rates(st, rel, slot);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
	st->rate_cols = NULL;
}

/* every rate, in one sequential scan */
static void
scan_rates(LoadState *st, Relation rel, TupleTableSlot *slot)
{
	TableScanDesc scan;
	uint64		nseen = 0;

	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		if ((++nseen & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		place_rate(st, slot);
	}
	table_endscan(scan);
}

/*
 * The rates of st->ids, through an index of pricing.rate that leads with
 * hotel_id (its primary key's); without one, a sequential scan that keeps
 * theirs.
 */
static void
scan_hotel_rates(LoadState *st, Relation rel, TupleTableSlot *slot)
{
	Oid			index_oid = InvalidOid;
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		Relation	irel = index_open(lfirst_oid(lc), AccessShareLock);
		bool		leads = irel->rd_index->indnatts >= 1 &&
			irel->rd_index->indkey.values[0] == st->rate_cols->hotel &&
			irel->rd_rel->relam == BTREE_AM_OID &&
			irel->rd_index->indisvalid && irel->rd_indpred == NIL &&
			RelationGetIndexExpressions(irel) == NIL;

		index_close(irel, AccessShareLock);
		if (leads)
		{
			index_oid = lfirst_oid(lc);
			break;
		}
	}
	list_free(indexes);

	if (!OidIsValid(index_oid))
	{
		TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);

		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			int64		id;

			slot_getsomeattrs(slot, st->rate_cols->hotel);
			id = DatumGetInt64(slot_notnull(slot, st->rate_cols->hotel));
			if (bsearch(&id, st->ids, st->nids, sizeof(int64), pricing_int64_cmp))
				place_rate(st, slot);
		}
		table_endscan(scan);
		return;
	}

	{
		Relation	irel = index_open(index_oid, AccessShareLock);
		int			nkeys = 1;
		ScanKeyData keys[3];

		/*
		 * The nights of the window only, when the index has stay_date too (the
		 * primary key's third column): the index tuples of other nights are
		 * then passed over without visiting the table, which matters when the
		 * window is a booking's few nights (booking.c).
		 */
		for (int k = 1; k < irel->rd_index->indnatts; k++)
			if (irel->rd_index->indkey.values[k] == st->rate_cols->date)
			{
				ScanKeyInit(&keys[1], k + 1, BTGreaterEqualStrategyNumber, F_DATE_GE,
							DateADTGetDatum(st->index->first_date));
				ScanKeyInit(&keys[2], k + 1, BTLessStrategyNumber, F_DATE_LT,
							DateADTGetDatum(st->index->first_date + st->ndays));
				nkeys = 3;
				break;
			}

		for (int i = 0; i < st->nids; i++)
		{
			IndexScanDesc scan;

			ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ,
						Int64GetDatum(st->ids[i]));
			scan = index_beginscan(rel, irel, GetActiveSnapshot(), nkeys, 0);
			index_rescan(scan, keys, nkeys, NULL, 0);
			while (index_getnext_slot(scan, ForwardScanDirection, slot))
				place_rate(st, slot);
			index_endscan(scan);
			CHECK_FOR_INTERRUPTS();
		}
		index_close(irel, AccessShareLock);
	}
}

/* decode one rate and place it in its room's night */
static void
place_rate(LoadState *st, TupleTableSlot *slot)
{
	const RateColumns *c = st->rate_cols;
	DateADT		first = st->index->first_date;
	RoomKey		key;
	RoomEntry  *entry;
	PricingBlock *b;
	Size		at;
	int64		night;
	int64		price;
	int32		available;
	int			min_stay;
	int			max_stay;
	bool		ctd = false;
	uint8	   *e;

	slot_getsomeattrs(slot, c->last);
	night = (int64) DatumGetDateADT(slot_notnull(slot, c->date)) - first;
	if (night < 0 || night >= st->ndays)
		return;

	key.hotel_id = DatumGetInt64(slot_notnull(slot, c->hotel));
	key.room_id = DatumGetInt32(slot_notnull(slot, c->room));

	/* rates of one room usually come together: remember the last */
	entry = st->last_room;
	if (entry == NULL || key.hotel_id != entry->key.hotel_id ||
		key.room_id != entry->key.room_id)
	{
		entry = room_hash_lookup(st->rooms, key);
		if (entry == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("pricing.rate holds a rate of room %d of hotel " INT64_FORMAT ", which pricing.room does not have",
							key.room_id, key.hotel_id),
					 errdetail("The index relies on the foreign key of pricing.rate.")));
		st->last_room = entry;
	}
	st->index->nrates++;
	b = entry->block;
	at = (Size) night * b->nrooms + entry->slot;

	price = numeric_cents(slot_notnull(slot, c->price), "price");
	if (price < 0)
		rate_check_error("price", "a negative value", &key, first + (DateADT) night);
	available = DatumGetInt32(slot_notnull(slot, c->available));
	if (available < 0)
		rate_check_error("available", "a negative value", &key, first + (DateADT) night);
	min_stay = DatumGetInt16(slot_notnull(slot, c->min_stay));
	if (min_stay < 1)
		rate_check_error("min_stay", "a value below 1", &key, first + (DateADT) night);
	if (c->max_stay != InvalidAttrNumber && !slot->tts_isnull[c->max_stay - 1])
	{
		max_stay = DatumGetInt16(slot->tts_values[c->max_stay - 1]);
		if (max_stay < 1)
			rate_check_error("max_stay", "a value below 1", &key, first + (DateADT) night);
		set_max_stay(st, &b->rooms[entry->slot], (int32) night,
					 Min(max_stay, PRICING_NO_MAX_STAY));
	}
	if (c->ctd != InvalidAttrNumber)
		ctd = DatumGetBool(slot_notnull(slot, c->ctd));
	if (price < PRICING_NARROW_PRICE_LIMIT)
		b->cum[at + b->nrooms] = (uint32) price;	/* row night + 1 */
	else
		add_wide_rate(st, b, entry->slot, (int32) night, price);

	/* a sellable flag until finish_blocks() makes it a run */
	e = b->nights + PRICING_NIGHT_BYTES * at;
	e[0] = (available > 0 ? 1 : 0) | (ctd ? PRICING_NIGHT_CTD : 0);
	e[1] = DatumGetBool(slot_notnull(slot, c->cta)) ? 0 : (uint8) Min(min_stay, 255);
	b->rows[at / 8] |= (uint8) (1 << (at % 8));
}

/*
 * The attribute number of a column of pricing.rate, checking its type;
 * InvalidAttrNumber when missing_ok and it has no such column (the columns
 * of version 1.1 in an installation of 1.0).
 */
static AttrNumber
rate_column(Relation rel, const char *name, Oid type, bool missing_ok)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (att->atttypid != type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of relation \"pricing.rate\" has type %s instead of %s",
							name, format_type_be(att->atttypid), format_type_be(type))));
		return att->attnum;
	}
	if (missing_ok)
		return InvalidAttrNumber;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of relation \"pricing.rate\" does not exist", name)));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

static inline Datum
slot_notnull(TupleTableSlot *slot, AttrNumber att)
{
	if (slot->tts_isnull[att - 1])
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("pricing.rate.%s holds NULL, which its NOT NULL constraint forbids",
						NameStr(TupleDescAttr(slot->tts_tupleDescriptor, att - 1)->attname)),
				 errdetail("The index relies on the constraint.")));
	return slot->tts_values[att - 1];
}

/*
 * Cents of a numeric with at most two decimals, read straight from its
 * varlena form.  The rates are the bulk of a refresh, and converting each
 * price through numeric arithmetic ((price * 100)::int8) costs more than
 * reading the row.  The layout decoded here is numeric's on-disk format (a
 * short or long header, above, then base-10000 digits, the first of weight
 * "weight"), which pg_upgrade requires to stay as it is.  Values with more
 * than two decimals, NaN and values beyond 64 bits of cents are refused
 * rather than rounded.
 */
static int64
numeric_cents(Datum datum, const char *column)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(datum);
	const char *p;
	Size		len;
	uint16		header;
	int			weight;
	bool		neg;
	int			ndigits;
	int128		cents = 0;

	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		v = pg_detoast_datum_packed(v);
	p = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	memcpy(&header, p, sizeof(uint16));

	if ((header & NUMHDR_FLAGS) == NUMHDR_SPECIAL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pricing.rate.%s holds a special value (NaN)", column),
				 errhint("Every amount must be a finite number with at most two decimals.")));
	if (header & NUMHDR_SHORT)
	{
		neg = (header & NUMHDR_SHORT_NEG) != 0;
		weight = (header & NUMHDR_SHORT_WEIGHT_NEG) ?
			(int) (header | ~NUMHDR_SHORT_WEIGHT) : (header & NUMHDR_SHORT_WEIGHT);
		p += sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		neg = (header & NUMHDR_FLAGS) == NUMHDR_LONG_NEG;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		p += 2 * sizeof(uint16);
		ndigits = (len - 2 * sizeof(uint16)) / sizeof(int16);
	}

	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;
		int			exponent = weight - i;

		memcpy(&digit, p + i * sizeof(int16), sizeof(int16));
		if (exponent > 4)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("pricing.rate.%s holds a value too large for the index", column)));
		if (exponent >= 0)
		{
			int128		scale = 100;

			for (int e = 0; e < exponent; e++)
				scale *= 10000;
			cents += (int128) digit * scale;
		}
		else if (exponent == -1 && digit % 100 == 0)
			cents += digit / 100;
		else if (digit != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("pricing.rate.%s holds a value with more than two decimals", column)));
	}
	if (cents > PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("pricing.rate.%s holds a value too large for the index", column)));
	return neg ? -(int64) cents : (int64) cents;
}

/*
 * A rate breaks a CHECK constraint of pricing.rate (see check_constraints).
 */
static void
rate_check_error(const char *column, const char *what, const RoomKey *key,
				 DateADT night)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("pricing.rate.%s holds %s, which its CHECK constraint forbids",
					column, what),
			 errdetail("The rate is of room %d of hotel " INT64_FORMAT " for %s; the index relies on the constraint.",
					   key->room_id, key->hotel_id,
					   DatumGetCString(DirectFunctionCall1(date_out,
														   DateADTGetDatum(night))))));
}

/*
 * Record the maximum stay of an arrival on a night of the room; the first
 * one gives the room its array, every other night without one.
 */
static void
set_max_stay(LoadState *st, PricingRoom *room, int32 night, int max_stay)
{
	if (room->max_stay == NULL)
	{
		room->max_stay = MemoryContextAlloc(st->cxt, st->ndays);
		memset(room->max_stay, PRICING_NO_MAX_STAY, st->ndays);
	}
	room->max_stay[night] = (uint8) max_stay;
}

static void
add_wide_rate(LoadState *st, PricingBlock *b, int32 slot, int32 night, int64 price)
{
	if (st->nwide == st->maxwide)
	{
		st->maxwide = Max(16, st->maxwide * 2);
		st->wide = st->wide ? repalloc_huge(st->wide, st->maxwide * sizeof(WideRate))
			: palloc(st->maxwide * sizeof(WideRate));
	}
	st->wide[st->nwide].block = b;
	st->wide[st->nwide].slot = slot;
	st->wide[st->nwide].night = night;
	st->wide[st->nwide].price = price;
	st->nwide++;
}

/*
 * Turn nightly prices into prefix sums and sellable flags into run lengths,
 * a row (night) at a time, which is how the arrays are laid out; first,
 * derive each city's scan orders from them (bounds.c).
 */
static void
finish_blocks(LoadState *st)
{
	int32		ndays = st->ndays;

	/* rooms with an oversized price get exact 64-bit prefix sums */
	for (int64 i = 0; i < st->nwide; i++)
	{
		PricingBlock *b = st->wide[i].block;
		int32		slot = st->wide[i].slot;
		PricingRoom *r = &b->rooms[slot];

		if (r->cum64 == NULL)
		{
			r->cum64 = MemoryContextAlloc(st->cxt, sizeof(int64) * (ndays + 1));
			for (int32 d = 0; d <= ndays; d++)
				r->cum64[d] = b->cum[(Size) d * b->nrooms + slot];
		}
		r->cum64[st->wide[i].night + 1] = st->wide[i].price;
	}

	/* from the raw prices and flags, before they are transformed */
	pricing_index_foreach_city(st->index, city_orders, st);

	for (int64 i = 0; i < st->nblocks; i++)
	{
		PricingBlock *b = st->blocks[i];
		Size		n = b->nrooms;

		pricing_block_briefs(st->cxt, b);

		/* wraps modulo 2^32 by design; see pricing.h */
		for (int32 d = 1; d <= ndays; d++)
		{
			uint32	   *row = b->cum + d * n;

			for (Size s = 0; s < n; s++)
				row[s] += row[s - n];
		}
		for (Size s = 0; s < n; s++)
			if (b->rooms[s].cum64 != NULL)
				for (int32 d = 1; d <= ndays; d++)
					b->rooms[s].cum64[d] += b->rooms[s].cum64[d - 1];

		/*
		 * runs of sellable nights, from the last night backwards, saturated
		 * at PRICING_RUN_MAX; the closed-to-departure bit stays
		 */
		for (int32 d = ndays - 1; d >= 0; d--)
		{
			uint8	   *row = b->nights + PRICING_NIGHT_BYTES * d * n;

			for (Size s = 0; s < n; s++)
			{
				uint8	   *e = row + PRICING_NIGHT_BYTES * s;
				int			next = d + 1 < ndays ?
					(e[PRICING_NIGHT_BYTES * n] & PRICING_RUN_MAX) : 0;

				if (e[0] & 1)
					e[0] = (e[0] & PRICING_NIGHT_CTD) | (uint8) Min(next + 1, PRICING_RUN_MAX);
				else
					e[0] &= PRICING_NIGHT_CTD;
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
}

static void
city_orders(PricingCity *city, void *arg)
{
	LoadState  *st = (LoadState *) arg;

	pricing_city_orders(st->cxt, city, st->ndays, st->index->fx);
}

/*
 * Run one of the loader's fixed queries.  They cast every column to the type
 * the loader decodes it as: the source tables belong to the user, and a
 * column whose type was altered must give a clean error (or a value
 * converted as SQL converts it), never a datum of another type read as if
 * it were the expected one.  The worker's search_path is pg_catalog alone
 * (worker.c), so the operators and functions here are the system's.
 */
static void
run_query(const char *sql)
{
	int			rc = SPI_execute(sql, true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "pricing source query failed: %s", SPI_result_code_string(rc));
}

/*
 * Run one of the loader's queries over the source tables: as it is for a
 * whole load, or, for a load of some hotels, with their ids as $1, through
 * a plan prepared once per worker and query text (a generic plan: every
 * incremental refresh runs the same queries, and planning them each time
 * would cost more than running them).  A kept plan is replanned by the
 * plan cache when a table it reads is altered.
 */
static void
run_source_query(LoadState *st, const char *sql)
{
	static List *texts = NIL;	/* in TopMemoryContext, with ... */
	static List *plans = NIL;	/* ... their plans, in the same order */
	SPIPlanPtr	plan = NULL;
	ListCell   *lt,
			   *lp;
	int			rc;

	if (st->ids == NULL)
	{
		run_query(sql);
		return;
	}
	forboth(lt, texts, lp, plans)
		if (strcmp((const char *) lfirst(lt), sql) == 0)
			plan = (SPIPlanPtr) lfirst(lp);
	if (plan == NULL)
	{
		Oid			argtype = INT8ARRAYOID;
		MemoryContext oldcxt;

		(void) pricing_kept_plan(&plan, sql, 1, &argtype, CURSOR_OPT_GENERIC_PLAN);
		oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		texts = lappend(texts, pstrdup(sql));
		plans = lappend(plans, plan);
		MemoryContextSwitchTo(oldcxt);
	}
	rc = SPI_execute_plan(plan, &st->id_array, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "pricing source query failed: %s", SPI_result_code_string(rc));
}

/* column attno of row row of an SPI result */
static inline Datum
col(SPITupleTable *tt, uint64 row, int attno, bool *isnull)
{
	return SPI_getbinval(tt->vals[row], tt->tupdesc, attno, isnull);
}

static inline Datum
col_notnull(SPITupleTable *tt, uint64 row, int attno)
{
	bool		isnull;
	Datum		d = col(tt, row, attno, &isnull);

	/* the queries name each column pricing.<table>.<column> */
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("%s holds NULL, which its NOT NULL constraint forbids",
						NameStr(TupleDescAttr(tt->tupdesc, attno - 1)->attname)),
				 errdetail("The index relies on the constraint.")));
	return d;
}

/* ... as a C string */
static char *
text_col(SPITupleTable *tt, uint64 row, int attno)
{
	return TextDatumGetCString(col_notnull(tt, row, attno));
}

/*
 * A copy in the arena of a text (or bpchar) column, as a varlena: readers
 * hand it to the tuplestore as it is, which copies it while they hold their
 * pin, so a result row costs no conversion.
 */
static const text *
arena_text(LoadState *st, SPITupleTable *tt, uint64 row, int attno)
{
	text	   *src = DatumGetTextPP(col_notnull(tt, row, attno));
	Size		len = VARSIZE_ANY_EXHDR(src);
	text	   *copy = MemoryContextAlloc(st->cxt, VARHDRSZ + len);

	SET_VARSIZE(copy, VARHDRSZ + len);
	memcpy(VARDATA(copy), VARDATA_ANY(src), len);
	return copy;
}

/*
 * A row of pricing.<table> whose hotel_id pricing.hotel does not have: the
 * foreign key forbids it, but the tables are the user's and it can be
 * dropped.
 */
static void
foreign_key_error(const char *table, int64 hotel_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("pricing.%s holds a row of hotel " INT64_FORMAT ", which pricing.hotel does not have",
					table, hotel_id),
			 errdetail("The index relies on the foreign key of pricing.%s.", table)));
}

static inline Size
room_bytes(int32 ndays)
{
	return PRICING_NIGHT_BYTES * (Size) ndays + sizeof(uint32) * ((Size) ndays + 1) +
		(ndays + 7) / 8;
}

static int
id_row_cmp(const void *a, const void *b)
{
	int64		x = ((const IdRow *) a)->id;
	int64		y = ((const IdRow *) b)->id;

	return (x > y) - (x < y);
}
