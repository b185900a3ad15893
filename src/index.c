/*-------------------------------------------------------------------------
 *
 * index.c
 *		The index of one generation: its root and its two lookup tables.
 *
 * The layout of blocks, hotels and rooms is declared in pricing.h; this
 * file owns the two hash tables that lead to them: city -> its blocks, for
 * the searches, and hotel_id -> hotel, for the functions about one hotel;
 * and the lookup of a currency among the exchange rates.  The tables are
 * simplehash tables whose memory comes from the generation's arena context,
 * so they are built by the worker and then only looked up by readers.
 *
 * A simplehash lookup reads the table and never writes it, and the hash
 * functions used here are the same in every process (no per-process seed),
 * so readers in other processes can use the worker's tables directly.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/memutils.h"

#include "pricing.h"

static inline uint32
hotel_id_hash(int64 hotel_id)
{
	return murmurhash32((uint32) hotel_id ^ (uint32) ((uint64) hotel_id >> 32));
}

#define SH_PREFIX		pricing_city
#define SH_ELEMENT_TYPE PricingCity
#define SH_KEY_TYPE		const char *
#define SH_KEY			city
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX		pricing_hotel
#define SH_ELEMENT_TYPE PricingHotelEntry
#define SH_KEY_TYPE		int64
#define SH_KEY			hotel_id
#define SH_HASH_KEY(tb, key) hotel_id_hash(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * A new, empty index in the given (arena) context.
 */
PricingIndex *
pricing_index_create(MemoryContext cxt)
{
	PricingIndex *index;

	index = MemoryContextAllocZero(cxt, sizeof(PricingIndex));
	index->cities = pricing_city_create(cxt, 256, NULL);
	index->hotels = pricing_hotel_create(cxt, 1024, NULL);
	return index;
}

/*
 * The entry of a new city; the caller fills in its blocks.
 */
PricingCity *
pricing_index_add_city(PricingIndex *index, const char *city)
{
	MemoryContext cxt = GetMemoryChunkContext(index);
	PricingCity *entry;
	bool		found;

	entry = pricing_city_insert(index->cities, MemoryContextStrdup(cxt, city),
								&found);
	if (found)
		elog(ERROR, "city \"%s\" loaded twice", city);
	entry->nblocks = 0;
	entry->blocks = NULL;
	entry->nhotels = 0;
	entry->hotels = NULL;
	entry->nperiods = 0;
	entry->posbits = 0;
	entry->max_infant_age = 0;
	entry->orders = NULL;
	return entry;
}

/*
 * Call fn for every city, once all are added (entries move while the table
 * grows, so a pointer to one is good only until the next insertion).
 */
void
pricing_index_foreach_city(PricingIndex *index,
						   void (*fn) (PricingCity *city, void *arg), void *arg)
{
	pricing_city_iterator it;
	PricingCity *city;

	pricing_city_start_iterate(index->cities, &it);
	while ((city = pricing_city_iterate(index->cities, &it)) != NULL)
		fn(city, arg);
}

/*
 * Register a hotel under its id.
 */
void
pricing_index_add_hotel(PricingIndex *index, PricingHotel *hotel)
{
	PricingHotelEntry *entry;
	bool		found;

	entry = pricing_hotel_insert(index->hotels, hotel->hotel_id, &found);
	if (found)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("pricing.hotel holds hotel " INT64_FORMAT " twice",
						hotel->hotel_id),
				 errdetail("The index relies on the primary key of pricing.hotel.")));
	entry->hotel = hotel;
}

const PricingCity *
pricing_index_city(const PricingIndex *index, const char *city)
{
	return pricing_city_lookup(index->cities, (char *) city);
}

const PricingHotel *
pricing_index_hotel(const PricingIndex *index, int64 hotel_id)
{
	PricingHotelEntry *entry;

	entry = pricing_hotel_lookup(index->hotels, hotel_id);
	return entry ? entry->hotel : NULL;
}

/*
 * The position of a currency (a bpchar, or a text) in index->fx, the
 * exchange rates, or -1 when it has none.  Trailing blanks do not count, as
 * for bpchar's equality.
 */
int32
pricing_index_currency(const PricingIndex *index, const text *currency)
{
	int			len = VARSIZE_ANY_EXHDR(currency);
	const char *p = VARDATA_ANY(currency);

	while (len > 0 && p[len - 1] == ' ')
		len--;
	for (int32 i = 0; i < index->nfx; i++)
		if ((int) strlen(index->fx[i].code) == len &&
			memcmp(index->fx[i].code, p, len) == 0)
			return i;
	return -1;
}

/*
 * A copy, in cxt, of index's directory: the struct and both hash tables,
 * with room for extra more hotels and cities.  The entries are copied as
 * they are, so the copy shares every city's arrays and every hotel with
 * index until the caller replaces them (incremental.c).  The chunks of the
 * old directory are appended to *retired: no generation after the copy
 * reaches them.
 */
PricingIndex *
pricing_index_copy(MemoryContext cxt, const PricingIndex *old, int extra,
				   List **retired)
{
	PricingIndex *index = MemoryContextAlloc(cxt, sizeof(PricingIndex));
	pricing_city_iterator cit;
	pricing_hotel_iterator hit;
	PricingCity *city;
	PricingHotelEntry *hotel;

	*index = *old;
	index->cities = pricing_city_create(cxt, old->cities->members + extra, NULL);
	index->hotels = pricing_hotel_create(cxt, old->hotels->members + extra, NULL);

	/* same size: the same layout, copied at once; else insert one by one */
	if (index->cities->size == old->cities->size)
	{
		memcpy(index->cities->data, old->cities->data,
			   sizeof(PricingCity) * old->cities->size);
		index->cities->members = old->cities->members;
	}
	else
	{
		pricing_city_start_iterate(old->cities, &cit);
		while ((city = pricing_city_iterate(old->cities, &cit)) != NULL)
		{
			bool		found;
			PricingCity *copy = pricing_city_insert(index->cities, city->city, &found);

			*copy = *city;
		}
	}
	if (index->hotels->size == old->hotels->size)
	{
		memcpy(index->hotels->data, old->hotels->data,
			   sizeof(PricingHotelEntry) * old->hotels->size);
		index->hotels->members = old->hotels->members;
	}
	else
	{
		pricing_hotel_start_iterate(old->hotels, &hit);
		while ((hotel = pricing_hotel_iterate(old->hotels, &hit)) != NULL)
		{
			bool		found;

			pricing_hotel_insert(index->hotels, hotel->hotel_id, &found)->hotel =
				hotel->hotel;
		}
	}

	*retired = lappend(*retired, old->cities->data);
	*retired = lappend(*retired, old->cities);
	*retired = lappend(*retired, old->hotels->data);
	*retired = lappend(*retired, old->hotels);
	*retired = lappend(*retired, (void *) old);
	return index;
}

/*
 * Free the directory of an index that no reader ever saw (the hotels
 * loaded for an incremental refresh): the struct, both hash tables and the
 * cities' names.  What the entries lead to is the caller's.
 */
void
pricing_index_free_directory(PricingIndex *index)
{
	pricing_city_iterator it;
	PricingCity *city;

	pricing_city_start_iterate(index->cities, &it);
	while ((city = pricing_city_iterate(index->cities, &it)) != NULL)
		pfree((char *) city->city);
	pricing_city_destroy(index->cities);
	pricing_hotel_destroy(index->hotels);
	pfree(index);
}

/* the entry of a city, to change it in place; NULL if there is none */
PricingCity *
pricing_index_city_entry(PricingIndex *index, const char *city)
{
	return pricing_city_lookup(index->cities, (char *) city);
}

/* drop a city, whose name the caller frees or retires */
void
pricing_index_drop_city(PricingIndex *index, const char *city)
{
	pricing_city_delete(index->cities, (char *) city);
}

/* point hotel_id at hotel, adding it if new */
void
pricing_index_set_hotel(PricingIndex *index, PricingHotel *hotel)
{
	bool		found;

	pricing_hotel_insert(index->hotels, hotel->hotel_id, &found)->hotel = hotel;
}

void
pricing_index_drop_hotel(PricingIndex *index, int64 hotel_id)
{
	pricing_hotel_delete(index->hotels, hotel_id);
}

int64
pricing_index_hotel_count(const PricingIndex *index)
{
	return index->hotels->members;
}

/*
 * Derive the briefs of block b's hotels and rooms (PricingBrief), in cxt,
 * once its hotels, rooms and plans are in place.
 */
void
pricing_block_briefs(MemoryContext cxt, PricingBlock *b)
{
	b->briefs = MemoryContextAlloc(cxt, sizeof(PricingBrief) * b->nhotels +
								   sizeof(uint16) * b->nrooms + 1);
	b->room_briefs = (uint16 *) (b->briefs + b->nhotels);
	for (int32 k = 0; k < b->nhotels; k++)
	{
		const PricingHotel *h = &b->hotels[k];
		const PricingPlan *plan0 = &h->plans[0];
		PricingBrief *brief = &b->briefs[k];

		brief->stars = h->stars;
		brief->infant_age = (uint8) Min(h->infant_age, PG_UINT8_MAX);
		brief->plan0_board = plan0->board;
		brief->nrooms = (uint16) Min(h->nrooms, PG_UINT16_MAX);
		brief->flags = 0;
		if (h->fx >= 0)
			brief->flags |= PRICING_BRIEF_FX;
		if (plan0->plan_id == 0 && plan0->all_rooms && plan0->min_stay <= 1 &&
			plan0->max_stay == PG_INT32_MAX && plan0->min_days_ahead < 0 &&
			plan0->max_days_ahead < 0)
			brief->flags |= PRICING_BRIEF_OPEN;
		if (h->nrooms > PG_UINT16_MAX || h->infant_age > PG_UINT8_MAX)
			brief->flags |= PRICING_BRIEF_LOOK;
	}
	for (int32 r = 0; r < b->nrooms; r++)
	{
		const PricingRoom *room = &b->rooms[r];

		b->room_briefs[r] = (uint16) (Min(Max(room->max_guests, 0), 0xFF) |
									  Min(Max(room->max_infants, 0), 0x7F) << 8);
		if (room->max_stay != NULL)
			b->room_briefs[r] |= PRICING_ROOM_BRIEF_SLOW;
	}
}
