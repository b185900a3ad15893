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
 * Amounts are read as integer minor units, converted by the executor with
 * exact numeric arithmetic ((price * 100)::int8): every amount column has
 * scale 2, so nothing is rounded on the way in.  Percentages likewise
 * become hundredths of a percent.
 *
 * Rates are streamed through a cursor in batches and placed into per-room
 * nightly arrays that cover the window first_date .. first_date + ndays - 1
 * (yesterday to pricing.horizon_days ahead).  A room's arrays are allocated
 * when its first rate arrives, so rooms without rates cost nothing.  Once
 * all rates are in, each room's prices become prefix sums and its
 * availability becomes run lengths (see pricing.h), which make every stay's
 * base price and availability O(1).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
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
	bool		unplaced;		/* its arrays did not fit in the arena */
	PricingRoom *room;
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
	PricingRoom *room;
	int32		night;
	int64		price;
} WideRate;

typedef struct LoadState
{
	MemoryContext cxt;			/* the generation's arena context */
	PricingIndex *index;
	int32		ndays;
	room_hash_hash *rooms;
	PricingRoom **rooms_with_rates;
	int64		nrooms_with_rates;
	WideRate   *wide;
	int64		nwide;
	int64		maxwide;
	Size		unplaced_bytes; /* arrays that did not fit in the arena */
} LoadState;

/* column accessors for the current SPI result */
static inline Datum
col(HeapTuple tuple, int attno, bool *isnull)
{
	return SPI_getbinval(tuple, SPI_tuptable->tupdesc, attno, isnull);
}

static inline Datum
col_notnull(HeapTuple tuple, int attno)
{
	bool		isnull;
	Datum		d = col(tuple, attno, &isnull);

	if (isnull)
		elog(ERROR, "unexpected NULL in column %d of a pricing source query", attno);
	return d;
}

static void
run_query(const char *sql)
{
	int			rc = SPI_execute(sql, true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "pricing source query failed: %s", SPI_result_code_string(rc));
}

static void
load_hotels(LoadState *st)
{
	PricingIndex *index = st->index;
	PricingHotel **hotels;
	uint64		n;

	run_query("SELECT hotel_id, city, name, stars, currency,"
			  " (vat_percent * 100)::int4, (city_tax * 100)::int8"
			  " FROM pricing.hotel");
	n = SPI_processed;
	hotels = palloc(Max(n, 1) * sizeof(PricingHotel *));

	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		PricingHotel *h = MemoryContextAllocZero(st->cxt, sizeof(PricingHotel));
		char	   *city = TextDatumGetCString(col_notnull(tup, 2));

		h->hotel_id = DatumGetInt64(col_notnull(tup, 1));
		h->name = MemoryContextStrdup(st->cxt, TextDatumGetCString(col_notnull(tup, 3)));
		h->stars = DatumGetInt16(col_notnull(tup, 4));
		h->currency = MemoryContextStrdup(st->cxt, TextDatumGetCString(col_notnull(tup, 5)));
		h->vat_percent = DatumGetInt32(col_notnull(tup, 6));
		h->city_tax = DatumGetInt64(col_notnull(tup, 7));
		pricing_index_add_hotel(index, h, city);
		hotels[i] = h;
	}
	SPI_freetuptable(SPI_tuptable);
	pricing_index_link_cities(index, hotels, n);
	index->nhotels = n;
}

/*
 * Rooms arrive ordered by hotel and room, so each hotel's rooms form one run
 * of rows and become one array ordered by room_id.
 */
static void
load_rooms(LoadState *st)
{
	PricingIndex *index = st->index;
	uint64		n;
	uint64		i = 0;

	run_query("SELECT hotel_id, room_id, max_guests, base_guests,"
			  " (extra_guest_fee * 100)::int8"
			  " FROM pricing.room ORDER BY hotel_id, room_id");
	n = SPI_processed;
	st->rooms = room_hash_create(CurrentMemoryContext, Max(n, 16), NULL);

	while (i < n)
	{
		int64		hotel_id = DatumGetInt64(col_notnull(SPI_tuptable->vals[i], 1));
		PricingHotel *h = (PricingHotel *) pricing_index_hotel(index, hotel_id);
		uint64		j = i;

		while (j < n && DatumGetInt64(col_notnull(SPI_tuptable->vals[j], 1)) == hotel_id)
			j++;

		/* the foreign key makes this impossible within one snapshot */
		if (h == NULL)
			elog(ERROR, "room of unknown hotel " INT64_FORMAT " in pricing.room", hotel_id);

		h->nrooms = j - i;
		h->rooms = MemoryContextAllocZero(st->cxt, h->nrooms * sizeof(PricingRoom));
		for (uint64 k = i; k < j; k++)
		{
			HeapTuple	tup = SPI_tuptable->vals[k];
			PricingRoom *r = &h->rooms[k - i];
			RoomKey		key;
			RoomEntry  *entry;
			bool		found;

			r->room_id = DatumGetInt32(col_notnull(tup, 2));
			r->max_guests = DatumGetInt16(col_notnull(tup, 3));
			r->base_guests = DatumGetInt16(col_notnull(tup, 4));
			r->extra_fee = DatumGetInt64(col_notnull(tup, 5));

			key.hotel_id = hotel_id;
			key.room_id = r->room_id;
			entry = room_hash_insert(st->rooms, key, &found);
			entry->room = r;
			entry->unplaced = false;
		}
		index->nrooms += j - i;
		i = j;
	}
	SPI_freetuptable(SPI_tuptable);
}

static void
load_discounts(LoadState *st)
{
	uint64		n;
	uint64		i = 0;

	run_query("SELECT hotel_id, room_id, (percent * 100)::int4, min_nights,"
			  " checkin_from, checkin_to, min_days_ahead"
			  " FROM pricing.discount ORDER BY hotel_id");
	n = SPI_processed;

	while (i < n)
	{
		int64		hotel_id = DatumGetInt64(col_notnull(SPI_tuptable->vals[i], 1));
		PricingHotel *h = (PricingHotel *) pricing_index_hotel(st->index, hotel_id);
		uint64		j = i;

		while (j < n && DatumGetInt64(col_notnull(SPI_tuptable->vals[j], 1)) == hotel_id)
			j++;
		if (h == NULL)
			elog(ERROR, "discount of unknown hotel " INT64_FORMAT " in pricing.discount", hotel_id);

		h->ndiscounts = j - i;
		h->discounts = MemoryContextAlloc(st->cxt, h->ndiscounts * sizeof(PricingDiscount));
		for (uint64 k = i; k < j; k++)
		{
			HeapTuple	tup = SPI_tuptable->vals[k];
			PricingDiscount *d = &h->discounts[k - i];
			bool		isnull;
			Datum		v;

			v = col(tup, 2, &isnull);
			d->all_rooms = isnull;
			d->room_id = isnull ? 0 : DatumGetInt32(v);
			d->percent = DatumGetInt32(col_notnull(tup, 3));
			d->min_nights = DatumGetInt32(col_notnull(tup, 4));
			v = col(tup, 5, &isnull);
			d->checkin_from = isnull ? DATEVAL_NOBEGIN : DatumGetDateADT(v);
			v = col(tup, 6, &isnull);
			d->checkin_to = isnull ? DATEVAL_NOEND : DatumGetDateADT(v);
			v = col(tup, 7, &isnull);
			d->min_days_ahead = isnull ? -1 : DatumGetInt32(v);
		}
		i = j;
	}
	SPI_freetuptable(SPI_tuptable);
}

static void
load_fees(LoadState *st)
{
	uint64		n;

	run_query("SELECT hotel_id,"
			  " (coalesce(sum(amount) FILTER (WHERE per = 'stay'), 0) * 100)::int8,"
			  " (coalesce(sum(amount) FILTER (WHERE per = 'night'), 0) * 100)::int8,"
			  " (coalesce(sum(amount) FILTER (WHERE per = 'guest_night'), 0) * 100)::int8"
			  " FROM pricing.fee GROUP BY hotel_id");
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		int64		hotel_id = DatumGetInt64(col_notnull(tup, 1));
		PricingHotel *h = (PricingHotel *) pricing_index_hotel(st->index, hotel_id);

		if (h == NULL)
			elog(ERROR, "fee of unknown hotel " INT64_FORMAT " in pricing.fee", hotel_id);
		h->fee_stay = DatumGetInt64(col_notnull(tup, 2));
		h->fee_night = DatumGetInt64(col_notnull(tup, 3));
		h->fee_guest_night = DatumGetInt64(col_notnull(tup, 4));
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The nightly arrays of a room, allocated when its first rate arrives.
 * Until finish_rooms() runs, cum[i + 1] holds the price of night i and
 * nights[2i] is 1 when night i is sellable.
 *
 * When the arena is full, the loader goes on reading rates without storing
 * them, only adding up what the rooms' arrays would need, so that the error
 * can say how much memory the whole index needs.
 */
static bool
room_alloc_nights(LoadState *st, RoomEntry *entry)
{
	PricingRoom *r = entry->room;
	Size		cumsize = MAXALIGN(sizeof(uint32) * (st->ndays + 1));
	Size		size = cumsize + 2 * st->ndays;
	char	   *mem;

	if (entry->unplaced)
		return false;
	if (st->unplaced_bytes == 0)
		mem = MemoryContextAllocExtended(st->cxt, size,
										 MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
	else
		mem = NULL;
	if (mem == NULL)
	{
		entry->unplaced = true;
		st->unplaced_bytes += size + 16;	/* chunk header and alignment */
		return false;
	}
	r->cum = (uint32 *) mem;
	r->nights = (uint8 *) (mem + cumsize);
	st->rooms_with_rates[st->nrooms_with_rates++] = r;
	return true;
}

static void
add_wide_rate(LoadState *st, PricingRoom *r, int32 night, int64 price)
{
	if (st->nwide == st->maxwide)
	{
		st->maxwide = Max(16, st->maxwide * 2);
		st->wide = st->wide ? repalloc_huge(st->wide, st->maxwide * sizeof(WideRate))
			: palloc(st->maxwide * sizeof(WideRate));
	}
	st->wide[st->nwide].room = r;
	st->wide[st->nwide].night = night;
	st->wide[st->nwide].price = price;
	st->nwide++;
}

/*
 * Cents of a numeric with at most two decimals, read straight from its
 * varlena form.  The rates are the bulk of a refresh, and converting each
 * price through numeric arithmetic ((price * 100)::int8) costs more than
 * reading the row.  The layout decoded here is numeric's on-disk format
 * (utils/adt/numeric.c: a 2-byte short header or a 4-byte long one, then
 * base-10000 digits, the first of weight "weight"), which pg_upgrade
 * requires to stay as it is.  Values with more than two decimals, NaN and
 * values beyond 64 bits of cents are refused rather than rounded.
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

	if ((header & 0xC000) == 0xC000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pricing.rate.%s holds a special value (NaN)", column),
				 errhint("Every amount must be a finite number with at most two decimals.")));
	if (header & 0x8000)
	{
		/* short form: sign bit 0x2000, weight in the low 7 bits, signed */
		neg = (header & 0x2000) != 0;
		weight = (header & 0x0040) ? (int) (header | ~0x003F) : (header & 0x003F);
		p += sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		neg = (header & 0xC000) == 0x4000;
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

/* the attribute number of a column of pricing.rate, checking its type */
static AttrNumber
rate_column(Relation rel, const char *name, Oid type)
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
				 errmsg("unexpected NULL in column %d of pricing.rate", att)));
	return slot->tts_values[att - 1];
}

/*
 * Rates are read with a plain sequential scan of pricing.rate in the
 * refresh's snapshot, without going through the executor: no expression
 * evaluation, no text conversion, one deform per row.
 */
static void
load_rates(LoadState *st)
{
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	a_hotel,
				a_room,
				a_date,
				a_price,
				a_available,
				a_min_stay,
				a_cta,
				a_max;
	DateADT		first = st->index->first_date;
	RoomEntry  *last = NULL;
	int64		nrates = 0;
	uint64		nseen = 0;

	st->rooms_with_rates = palloc(Max(st->index->nrooms, 1) * sizeof(PricingRoom *));

	rel = table_openrv(makeRangeVar("pricing", "rate", -1), AccessShareLock);
	a_hotel = rate_column(rel, "hotel_id", INT8OID);
	a_room = rate_column(rel, "room_id", INT4OID);
	a_date = rate_column(rel, "stay_date", DATEOID);
	a_price = rate_column(rel, "price", NUMERICOID);
	a_available = rate_column(rel, "available", INT4OID);
	a_min_stay = rate_column(rel, "min_stay", INT2OID);
	a_cta = rate_column(rel, "closed_to_arrival", BOOLOID);
	a_max = Max(Max(Max(a_hotel, a_room), Max(a_date, a_price)),
				Max(Max(a_available, a_min_stay), a_cta));

	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		RoomKey		key;
		RoomEntry  *entry;
		PricingRoom *r;
		int64		night;
		int64		price;
		int			min_stay;

		if ((++nseen & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		slot_getsomeattrs(slot, a_max);
		night = (int64) DatumGetDateADT(slot_notnull(slot, a_date)) - first;
		if (night < 0 || night >= st->ndays)
			continue;

		key.hotel_id = DatumGetInt64(slot_notnull(slot, a_hotel));
		key.room_id = DatumGetInt32(slot_notnull(slot, a_room));

		/* rates of one room usually come together: remember the last */
		if (last != NULL && key.hotel_id == last->key.hotel_id &&
			key.room_id == last->key.room_id)
			entry = last;
		else
		{
			entry = room_hash_lookup(st->rooms, key);
			if (entry == NULL)
				elog(ERROR, "rate of unknown room (" INT64_FORMAT ", %d) in pricing.rate",
					 key.hotel_id, key.room_id);
			last = entry;
		}
		nrates++;
		r = entry->room;
		if (r->cum == NULL && !room_alloc_nights(st, entry))
			continue;

		price = numeric_cents(slot_notnull(slot, a_price), "price");
		if (price < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("pricing.rate.price holds a negative value")));
		if (price < PRICING_NARROW_PRICE_LIMIT)
			r->cum[night + 1] = (uint32) price;
		else
			add_wide_rate(st, r, (int32) night, price);
		r->nights[2 * night] = DatumGetInt32(slot_notnull(slot, a_available)) > 0 ? 1 : 0;
		min_stay = DatumGetInt16(slot_notnull(slot, a_min_stay));
		r->nights[2 * night + 1] = DatumGetBool(slot_notnull(slot, a_cta)) ? 0 :
			(uint8) Max(1, Min(min_stay, 255));
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
	st->index->nrates = nrates;

	if (st->unplaced_bytes > 0)
		pricing_arena_full_error(pricing_arena_context_bytes(st->cxt) +
								 st->unplaced_bytes);
}

/*
 * Turn nightly prices into prefix sums and sellable flags into run lengths.
 */
static void
finish_rooms(LoadState *st)
{
	int32		ndays = st->ndays;

	/* rooms with an oversized price get exact 64-bit prefix sums */
	for (int64 i = 0; i < st->nwide; i++)
	{
		PricingRoom *r = st->wide[i].room;

		if (r->cum64 == NULL)
		{
			r->cum64 = MemoryContextAlloc(st->cxt, sizeof(int64) * (ndays + 1));
			for (int32 d = 0; d <= ndays; d++)
				r->cum64[d] = r->cum[d];
		}
		r->cum64[st->wide[i].night + 1] = st->wide[i].price;
	}

	for (int64 i = 0; i < st->nrooms_with_rates; i++)
	{
		PricingRoom *r = st->rooms_with_rates[i];
		int			run = 0;

		if (r->cum64 != NULL)
		{
			for (int32 d = 1; d <= ndays; d++)
				r->cum64[d] += r->cum64[d - 1];
		}
		else
		{
			/* wraps modulo 2^32 by design; see pricing.h */
			for (int32 d = 1; d <= ndays; d++)
				r->cum[d] += r->cum[d - 1];
		}

		for (int32 d = ndays - 1; d >= 0; d--)
		{
			run = r->nights[2 * d] ? Min(run + 1, 255) : 0;
			r->nights[2 * d] = (uint8) run;
		}
	}
}

/*
 * Build a whole generation in cxt.  The caller owns the transaction, the
 * snapshot and the SPI connection.
 */
PricingIndex *
pricing_load_index(MemoryContext cxt, Size capacity)
{
	MemoryContext scratch;
	MemoryContext oldcxt;
	LoadState	st;
	PricingIndex *index;

	if (!OidIsValid(get_extension_oid("pricing", true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"pricing\" is not installed in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errhint("Run CREATE EXTENSION pricing in the database named by pricing.database.")));

	scratch = AllocSetContextCreate(CurrentMemoryContext,
									"pricing refresh scratch",
									ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(scratch);

	memset(&st, 0, sizeof(st));
	st.cxt = cxt;
	st.index = index = pricing_index_create(cxt);
	st.ndays = pricing_horizon_days + 2;
	index->database = MyDatabaseId;
	index->first_date = GetSQLCurrentDate() - 1;
	index->ndays = st.ndays;
	index->change_count = pricing_change_count();

	load_hotels(&st);
	load_rooms(&st);
	load_discounts(&st);
	load_fees(&st);
	load_rates(&st);
	finish_rooms(&st);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(scratch);

	index->bytes = pricing_arena_context_bytes(cxt);
	return index;
}
