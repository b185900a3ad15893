/*-------------------------------------------------------------------------
 *
 * incremental.c
 *		Incremental refresh: the next generation made from the serving one
 *		by rebuilding only the hotels that committed changes touched.
 *
 * The worker learns which hotels changed from pricing.change_log
 * (changes.c), in the snapshot it reads the tables with.  It loads just
 * those hotels, as a whole refresh would (load.c, pricing_load_hotels),
 * into the arena half of the serving generation, and splices them into a
 * copy of the serving generation's directory:
 *
 *	- the hash tables of cities and hotels are copied whole (a memcpy each);
 *	- a city the changes touch gets new arrays of blocks, hotels and scan
 *	  orders; a block holding a changed hotel is copied with the hotel's
 *	  new data in place of the old; every other block, and every other
 *	  city, is shared with the serving generation;
 *	- a changed hotel keeps its position in its city when it stays there,
 *	  so the scan orders only trade its entries for new ones (a merge); a
 *	  hotel that arrives, leaves or moves reorders its cities.
 *
 * The work of a change is thus that of its hotels and their blocks, plus
 * copies of its cities' orders and of the two hash tables, not that of the
 * whole index.
 *
 * Memory: the worker alone allocates and frees, as for whole generations.
 * What the new generation no longer reaches (the old directory, replaced
 * blocks and arrays, the old versions' names, plans, discounts and
 * per-room arrays) is handed back to the worker as retired: it frees each
 * chunk once no reader pins a generation older than the new one (worker.c),
 * and mimalloc reuses it for the next change at once, since its owner
 * frees it.  Reader pins already name generations, so this is epoch-based
 * reclamation with the generation as the epoch.  The scaffolding of the
 * load (the small index of the changed hotels) is freed before the new
 * generation is published: no reader ever saw it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "pricing.h"

#define ST_SORT				sort_entries
#define ST_ELEMENT_TYPE		uint32
#define ST_COMPARE(a, b)	((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE			static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* what one incremental refresh works with */
typedef struct ApplyState
{
	MemoryContext cxt;			/* the serving generation's arena context */
	const PricingIndex *old;	/* the serving generation */
	PricingIndex *mini;			/* the changed hotels, freshly loaded */
	PricingIndex *index;		/* the generation being made */
	const int64 *ids;			/* the changed hotels, sorted */
	int			nids;
	int32		ndays;
	List	   *retired;		/* chunks the new generation does not reach */
	List	   *scaffold;		/* chunks of mini to free before publishing */
} ApplyState;

/* a hotel id and a position, to find positions by id */
typedef struct IdPos
{
	int64		id;				/* first: compared as an int64 */
	int32		pos;
} IdPos;

/* a hotel of a city being rebuilt: where its data comes from */
typedef struct Source
{
	const PricingHotel *hotel;	/* in an old block, or in a block of mini */
	int32		old_pos;		/* its position in the old city, or -1 */
	bool		fresh;			/* loaded now */
} Source;

static void collect_cities(ApplyState *st, List **names);
static void apply_city(ApplyState *st, const char *name);
static bool is_changed(const ApplyState *st, int64 hotel_id);
static PricingBlock *copy_block(ApplyState *st, const Source *src, int n,
								const char *city);
static void copy_bits(uint8 *dst, Size dst_bit, const uint8 *src,
					  Size src_bit, int32 n);
static void merge_orders(ApplyState *st, PricingCity *city,
						 const PricingCity *oc, const PricingCity *mc,
						 const bool *changed_pos, const Source *src, int n);
static void sort_orders(ApplyState *st, PricingCity *city,
						const PricingCity *oc, const PricingCity *mc,
						const Source *src, int n);
static int32 fresh_sources(const PricingCity *mc, const Source *src, int n,
							int32 *s_of, int32 *q_of);
static void mini_keys(const PricingCity *mc, int32 o, float *keys);
static void retire_city_arrays(ApplyState *st, const PricingCity *oc);
static void retire_block(ApplyState *st, const PricingBlock *b);
static void retire_hotel(ApplyState *st, const PricingHotel *h);
static void free_scaffold(ApplyState *st);
static void retire(ApplyState *st, const void *chunk);
static int64 hotel_rates(const PricingHotel *h, int32 ndays);

/*
 * Make the generation that follows old by rebuilding the hotels ids (sorted,
 * each once), in cxt, the context of old's arena half.  Returns the new
 * index, with its generation, times and counters left to the caller, and
 * appends to *retired what it no longer reaches.  On error, what was
 * allocated stays in cxt until the half is freed; the caller then rebuilds
 * in full, in the other half.
 */
PricingIndex *
pricing_apply_changes(MemoryContext cxt, const PricingIndex *old,
					  const int64 *ids, int nids, List **retired)
{
	ApplyState	st;
	List	   *names = NIL;
	ListCell   *lc;

	memset(&st, 0, sizeof(st));
	st.cxt = cxt;
	st.old = old;
	st.ids = ids;
	st.nids = nids;
	st.ndays = old->ndays;

	st.mini = pricing_load_hotels(cxt, old, ids, nids);
	st.index = pricing_index_copy(cxt, old, nids, &st.retired);
	if (st.index->standard == NULL)
		st.index->standard = st.mini->standard;
	st.index->incremental = true;
	st.index->nchanged = nids;

	collect_cities(&st, &names);
	foreach(lc, names)
	{
		apply_city(&st, (const char *) lfirst(lc));
		CHECK_FOR_INTERRUPTS();
	}

	/* the counts: the hotels, and what their old and new versions hold */
	st.index->nhotels = pricing_index_hotel_count(st.index);
	for (int i = 0; i < nids; i++)
	{
		const PricingHotel *o = pricing_index_hotel(old, ids[i]);
		const PricingHotel *m = pricing_index_hotel(st.mini, ids[i]);

		if (o != NULL)
		{
			st.index->nrooms -= o->nrooms;
			st.index->nrates -= hotel_rates(o, st.ndays);
		}
		if (m != NULL)
			st.index->nrooms += m->nrooms;
	}
	st.index->nrates += st.mini->nrates;

	free_scaffold(&st);
	st.index->bytes = pricing_arena_context_bytes(cxt);
	*retired = list_concat(*retired, st.retired);
	return st.index;
}

/*
 * The cities a change touches: those of the changed hotels' old versions
 * and of their new ones, each once.
 */
static void
collect_cities(ApplyState *st, List **names)
{
	for (int i = 0; i < st->nids; i++)
	{
		const PricingHotel *versions[2];

		versions[0] = pricing_index_hotel(st->old, st->ids[i]);
		versions[1] = pricing_index_hotel(st->mini, st->ids[i]);
		for (int v = 0; v < 2; v++)
		{
			ListCell   *lc;
			bool		seen = false;

			if (versions[v] == NULL)
				continue;
			foreach(lc, *names)
				if (strcmp((const char *) lfirst(lc), versions[v]->city) == 0)
					seen = true;
			if (!seen)
				*names = lappend(*names, pstrdup(versions[v]->city));
		}
	}
}

/*
 * Rebuild one city of the new generation: its hotels in their old order,
 * each changed one replaced by its new version or dropped, then the
 * hotels that arrive; the blocks that hold a changed hotel copied; the
 * scan orders merged (no hotel arrived or left) or sorted again.
 */
static void
apply_city(ApplyState *st, const char *name)
{
	const PricingCity *oc = pricing_index_city(st->old, name);
	const PricingCity *mc = pricing_index_city(st->mini, name);
	int32		old_n = oc ? oc->nhotels : 0;
	int32		max_n = old_n + (mc ? mc->nhotels : 0);
	Source	   *src = palloc(sizeof(Source) * Max(max_n, 1));
	bool	   *changed_pos = palloc0(sizeof(bool) * Max(old_n, 1));
	int32		max_blocks = (oc ? oc->nblocks : 0) + 1;
	PricingBlock **blocks = palloc(sizeof(PricingBlock *) * max_blocks);
	bool	   *copied = palloc0(sizeof(bool) * max_blocks);
	int32		nblocks = 0;
	int32		n = 0;
	bool		reorder = false;
	PricingCity *city;
	const char *key;
	int32		pos = 0;

	/* the city's entry, and the name its hotels point to */
	city = pricing_index_city_entry(st->index, name);
	if (city == NULL)
		city = pricing_index_add_city(st->index, name);
	key = city->city;

	/* the old blocks, in order: kept as they are, or copied */
	for (int32 b = 0; oc != NULL && b < oc->nblocks; b++)
	{
		const PricingBlock *ob = oc->blocks[b];
		int32		first = n;
		bool		touched = false;

		for (int32 k = 0; k < ob->nhotels; k++)
		{
			const PricingHotel *h = &ob->hotels[k];
			const PricingHotel *m;
			int32		at = pos + k;

			if (!is_changed(st, h->hotel_id))
			{
				src[n].hotel = h;
				src[n].old_pos = at;
				src[n++].fresh = false;
				continue;
			}
			touched = true;
			changed_pos[at] = true;
			retire_hotel(st, h);
			m = pricing_index_hotel(st->mini, h->hotel_id);
			if (m != NULL && strcmp(m->city, name) == 0)
			{
				src[n].hotel = m;
				src[n].old_pos = at;
				src[n++].fresh = true;
			}
			else
				reorder = true; /* it left, or is gone */
		}
		pos += ob->nhotels;
		if (!touched)
		{
			blocks[nblocks++] = (PricingBlock *) ob;
			continue;
		}
		retire_block(st, ob);
		if (n > first)
		{
			copied[nblocks] = true;
			blocks[nblocks++] = copy_block(st, src + first, n - first, key);
		}
	}

	/* hotels that arrive: new ones, and those that moved here */
	if (mc != NULL)
	{
		int32		first = n;

		for (int32 k = 0; k < mc->nhotels; k++)
		{
			const PricingHotel *m = mc->hotels[k];
			const PricingHotel *o = pricing_index_hotel(st->old, m->hotel_id);

			if (o != NULL && strcmp(o->city, name) == 0)
				continue;		/* placed above */
			src[n].hotel = m;
			src[n].old_pos = -1;
			src[n++].fresh = true;
		}
		if (n > first)
		{
			reorder = true;
			copied[nblocks] = true;
			blocks[nblocks++] = copy_block(st, src + first, n - first, key);
		}
	}

	if (oc != NULL)
		retire_city_arrays(st, oc);

	/* the hotels that left the hotel table (those that moved stay in it) */
	for (int32 i = 0; i < old_n; i++)
		if (changed_pos[i] &&
			pricing_index_hotel(st->mini, oc->hotels[i]->hotel_id) == NULL)
			pricing_index_drop_hotel(st->index, oc->hotels[i]->hotel_id);

	if (n == 0)
	{
		/* its last hotel left: the name goes with the old generation */
		Assert(oc != NULL);
		pricing_index_drop_city(st->index, name);
		retire(st, (void *) key);
		return;
	}

	city->nblocks = nblocks;
	city->blocks = MemoryContextAlloc(st->cxt, sizeof(PricingBlock *) * nblocks);
	memcpy(city->blocks, blocks, sizeof(PricingBlock *) * nblocks);
	city->nhotels = n;
	city->hotels = MemoryContextAlloc(st->cxt, sizeof(PricingHotel *) * n);
	city->max_infant_age = 0;
	pos = 0;
	for (int32 b = 0; b < nblocks; b++)
		for (int32 k = 0; k < blocks[b]->nhotels; k++)
		{
			PricingHotel *h = &blocks[b]->hotels[k];

			city->hotels[pos++] = h;
			city->max_infant_age = Max(city->max_infant_age, h->infant_age);
			if (copied[b])
				pricing_index_set_hotel(st->index, h);
		}
	Assert(pos == n);

	if (reorder)
		sort_orders(st, city, oc, mc, src, n);
	else
		merge_orders(st, city, oc, mc, changed_pos, src, n);
}

/* whether hotel_id is one of the changed hotels */
static bool
is_changed(const ApplyState *st, int64 hotel_id)
{
	return bsearch(&hotel_id, st->ids, st->nids, sizeof(int64),
				   pricing_int64_cmp) != NULL;
}

/*
 * A new block of the hotels src[0 .. n), copied from the blocks they live
 * in, in that order.  Rooms of consecutive hotels that are consecutive in
 * one source block are copied together, a night at a time, as the arrays
 * are laid out night-major.
 */
static PricingBlock *
copy_block(ApplyState *st, const Source *src, int n, const char *city)
{
	PricingBlock *b = MemoryContextAllocZero(st->cxt, sizeof(PricingBlock));
	int32		ndays = st->ndays;
	int32		nrooms = 0;
	int32		slot = 0;
	int32		nruns = 0;
	struct
	{
		const PricingBlock *from;
		int32		from_room;
		int32		to_room;
		int32		nrooms;
	}		   *runs = palloc(sizeof(*runs) * Max(n, 1));

	for (int i = 0; i < n; i++)
		nrooms += src[i].hotel->nrooms;
	b->nhotels = n;
	b->nrooms = nrooms;
	/* every entry is copied below; only the bits are or-ed in */
	b->hotels = MemoryContextAlloc(st->cxt, sizeof(PricingHotel) * n);
	b->rooms = MemoryContextAlloc(st->cxt, sizeof(PricingRoom) * Max(nrooms, 1));
	b->nights = MemoryContextAlloc(st->cxt, PRICING_NIGHT_BYTES * (Size) ndays * Max(nrooms, 1));
	b->rows = MemoryContextAllocZero(st->cxt, ((Size) ndays * Max(nrooms, 1) + 7) / 8);
	b->cum = MemoryContextAlloc(st->cxt,
								sizeof(uint32) * ((Size) ndays + 1) * Max(nrooms, 1));

	for (int i = 0; i < n; i++)
	{
		const PricingHotel *from = src[i].hotel;
		PricingHotel *h = &b->hotels[i];

		*h = *from;
		h->block = b;
		h->first_room = slot;
		h->city = city;
		memcpy(&b->rooms[slot], &from->block->rooms[from->first_room],
			   sizeof(PricingRoom) * from->nrooms);
		if (nruns > 0 && runs[nruns - 1].from == from->block &&
			runs[nruns - 1].from_room + runs[nruns - 1].nrooms == from->first_room)
			runs[nruns - 1].nrooms += from->nrooms;
		else if (from->nrooms > 0)
		{
			runs[nruns].from = from->block;
			runs[nruns].from_room = from->first_room;
			runs[nruns].to_room = slot;
			runs[nruns++].nrooms = from->nrooms;
		}
		slot += from->nrooms;
	}

	for (int32 d = 0; d <= ndays; d++)
		for (int32 r = 0; r < nruns; r++)
		{
			const PricingBlock *f = runs[r].from;
			Size		to = (Size) d * nrooms + runs[r].to_room;
			Size		at = (Size) d * f->nrooms + runs[r].from_room;

			memcpy(b->cum + to, f->cum + at, sizeof(uint32) * runs[r].nrooms);
			if (d == ndays)
				continue;
			memcpy(b->nights + PRICING_NIGHT_BYTES * to,
				   f->nights + PRICING_NIGHT_BYTES * at,
				   PRICING_NIGHT_BYTES * runs[r].nrooms);
			copy_bits(b->rows, to, f->rows, at, runs[r].nrooms);
		}
	pfree(runs);
	pricing_block_briefs(st->cxt, b);
	return b;
}

/*
 * Copy n bits, from bit src_bit of src to bit dst_bit of dst (zeroed): a
 * bit at a time up to a byte boundary of dst, then a byte at a time, each
 * taken from the one or two source bytes it straddles.
 */
static void
copy_bits(uint8 *dst, Size dst_bit, const uint8 *src, Size src_bit, int32 n)
{
	for (; n > 0 && dst_bit % 8 != 0; n--, src_bit++, dst_bit++)
		if ((src[src_bit / 8] >> (src_bit % 8)) & 1)
			dst[dst_bit / 8] |= (uint8) (1 << (dst_bit % 8));
	for (; n >= 8; n -= 8, src_bit += 8, dst_bit += 8)
	{
		unsigned	shift = src_bit % 8;
		unsigned	bits = src[src_bit / 8] >> shift;

		if (shift != 0)
			bits |= (unsigned) src[src_bit / 8 + 1] << (8 - shift);
		dst[dst_bit / 8] = (uint8) bits;
	}
	for (; n > 0; n--, src_bit++, dst_bit++)
		if ((src[src_bit / 8] >> (src_bit % 8)) & 1)
			dst[dst_bit / 8] |= (uint8) (1 << (dst_bit % 8));
}

/*
 * The orders of a city whose hotels kept their positions: each old order
 * without the changed hotels' entries, merged with their new entries.
 */
static void
merge_orders(ApplyState *st, PricingCity *city, const PricingCity *oc,
			 const PricingCity *mc, const bool *changed_pos,
			 const Source *src, int n)
{
	int32		norders = PRICING_ORDER_SETS * (oc->nperiods + 1);
	uint32	   *fresh = palloc(sizeof(uint32) * Max(n, 1));
	int32	   *s_of = palloc(sizeof(int32) * Max(n, 1));
	int32	   *q_of = palloc(sizeof(int32) * Max(n, 1));
	float	   *keys = palloc(sizeof(float) * Max(mc->nhotels, 1));
	int32		nfresh = fresh_sources(mc, src, n, s_of, q_of);

	city->nperiods = oc->nperiods;
	city->posbits = oc->posbits;
	city->orders = MemoryContextAlloc(st->cxt, sizeof(uint32 *) * norders);
	for (int32 o = 0; o < norders; o++)
	{
		const uint32 *old = oc->orders[o];
		uint32	   *order = MemoryContextAlloc(st->cxt, sizeof(uint32) * n);
		int32		i = 0;
		int32		j = 0;
		int32		k = 0;

		mini_keys(mc, o, keys);
		for (int32 f = 0; f < nfresh; f++)
			fresh[f] = pricing_order_entry(keys[q_of[f]], (uint32) s_of[f],
										   city->posbits);
		sort_entries(fresh, nfresh);

		/* positions are unchanged: src[s].old_pos == s */
		while (i < n)
		{
			while (j < oc->nhotels &&
				   changed_pos[pricing_order_hotel(old[j], oc->posbits)])
				j++;
			if (j < oc->nhotels && (k >= nfresh || old[j] <= fresh[k]))
				order[i++] = old[j++];
			else
				order[i++] = fresh[k++];
		}
		city->orders[o] = order;
	}
	pfree(keys);
	pfree(q_of);
	pfree(s_of);
	pfree(fresh);
}

/*
 * The orders of a city whose hotels moved: every entry again, the kept
 * hotels' bounds taken from the old orders, the new ones' from mini's.
 */
static void
sort_orders(ApplyState *st, PricingCity *city, const PricingCity *oc,
			const PricingCity *mc, const Source *src, int n)
{
	int32		nperiods = mc != NULL ? mc->nperiods : oc->nperiods;
	int32		norders = PRICING_ORDER_SETS * (nperiods + 1);
	float	   *old_key = palloc(sizeof(float) * Max(oc ? oc->nhotels : 0, 1));
	float	   *keys = palloc(sizeof(float) * Max(mc ? mc->nhotels : 0, 1));
	int32	   *s_of = palloc(sizeof(int32) * Max(n, 1));
	int32	   *q_of = palloc(sizeof(int32) * Max(n, 1));
	int32		nfresh = fresh_sources(mc, src, n, s_of, q_of);

	city->nperiods = nperiods;
	city->posbits = 1;
	while (((int64) 1 << city->posbits) < n)
		city->posbits++;
	city->orders = MemoryContextAlloc(st->cxt, sizeof(uint32 *) * norders);
	for (int32 o = 0; o < norders; o++)
	{
		uint32	   *order = MemoryContextAlloc(st->cxt, sizeof(uint32) * n);

		for (int32 j = 0; oc != NULL && j < oc->nhotels; j++)
			old_key[pricing_order_hotel(oc->orders[o][j], oc->posbits)] =
				pricing_order_bound(oc->orders[o][j], oc->posbits);
		for (int32 s = 0; s < n; s++)
			if (!src[s].fresh)
				order[s] = pricing_order_entry(old_key[src[s].old_pos],
											   (uint32) s, city->posbits);
		if (nfresh > 0)
		{
			mini_keys(mc, o, keys);
			for (int32 f = 0; f < nfresh; f++)
				order[s_of[f]] = pricing_order_entry(keys[q_of[f]],
													 (uint32) s_of[f],
													 city->posbits);
		}
		sort_entries(order, n);
		city->orders[o] = order;
	}
	pfree(q_of);
	pfree(s_of);
	pfree(keys);
	pfree(old_key);
}

/*
 * Where mc, the city of the freshly loaded hotels, has each fresh source of
 * src: q_of[i] is the position in mc->hotels of src[s_of[i]], for the
 * nfresh fresh ones.  Returns nfresh.
 */
static int32
fresh_sources(const PricingCity *mc, const Source *src, int n,
			  int32 *s_of, int32 *q_of)
{
	IdPos	   *byid = palloc(sizeof(IdPos) * Max(mc ? mc->nhotels : 0, 1));
	int32		nfresh = 0;

	for (int32 q = 0; mc != NULL && q < mc->nhotels; q++)
	{
		byid[q].id = mc->hotels[q]->hotel_id;
		byid[q].pos = q;
	}
	if (mc != NULL)
		qsort(byid, mc->nhotels, sizeof(IdPos), pricing_int64_cmp);
	for (int32 s = 0; s < n; s++)
	{
		IdPos	   *found;

		if (!src[s].fresh)
			continue;
		found = bsearch(&src[s].hotel->hotel_id, byid, mc->nhotels,
						sizeof(IdPos), pricing_int64_cmp);
		if (found == NULL)
			elog(ERROR, "hotel " INT64_FORMAT " missing from its city's orders",
				 src[s].hotel->hotel_id);
		s_of[nfresh] = s;
		q_of[nfresh++] = found->pos;
	}
	pfree(byid);
	return nfresh;
}

/*
 * The bounds of mc's hotels in order number o, by their position in
 * mc->hotels, from the orders the load computed.  Re-entered with another
 * position, a bound only loses low bits: it stays a bound
 * (pricing_order_entry).
 */
static void
mini_keys(const PricingCity *mc, int32 o, float *keys)
{
	for (int32 j = 0; j < mc->nhotels; j++)
		keys[pricing_order_hotel(mc->orders[o][j], mc->posbits)] =
			pricing_order_bound(mc->orders[o][j], mc->posbits);
}

/* the arrays of a city that the new generation replaces */
static void
retire_city_arrays(ApplyState *st, const PricingCity *oc)
{
	int32		norders = PRICING_ORDER_SETS * (oc->nperiods + 1);

	retire(st, oc->blocks);
	retire(st, (void *) oc->hotels);
	for (int32 o = 0; o < norders; o++)
		retire(st, oc->orders[o]);
	retire(st, oc->orders);
}

/* a block replaced by a copy: its arrays (its hotels' own data moves on) */
static void
retire_block(ApplyState *st, const PricingBlock *b)
{
	retire(st, b->hotels);
	retire(st, b->rooms);
	retire(st, b->nights);
	retire(st, b->rows);
	retire(st, b->cum);
	retire(st, b->briefs);
	retire(st, (void *) b);
}

/*
 * The old version of a changed hotel: what it owns alone, its texts, plans,
 * discounts and its rooms' arrays.  The standard plan is the generation's,
 * shared by every hotel without a row for plan 0.
 */
static void
retire_hotel(ApplyState *st, const PricingHotel *h)
{
	const PricingPlan *standard = st->old->standard;

	retire(st, (void *) h->name);
	retire(st, (void *) h->currency);
	if (h->discounts != NULL)
		retire(st, h->discounts);
	if (h->plans != standard)
	{
		for (int32 q = 0; q < h->nplans; q++)
			if (standard == NULL || h->plans[q].name != standard->name)
				retire(st, (void *) h->plans[q].name);
		retire(st, (void *) h->plans);
	}
	for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
	{
		const PricingRoom *room = &h->block->rooms[r];

		if (room->occ != NULL)
			retire(st, (void *) room->occ);
		if (room->max_stay != NULL)
			retire(st, room->max_stay);
		if (room->cum64 != NULL)
			retire(st, room->cum64);
	}
}

/*
 * Free what the load of the changed hotels built around them: mini's
 * directory, its cities' arrays and its blocks.  The hotels' own data
 * (texts, plans, discounts, per-room arrays) now belongs to the copies
 * in the new generation's blocks.
 */
static void
free_scaffold(ApplyState *st)
{
	for (int i = 0; i < st->nids; i++)
	{
		const PricingHotel *m = pricing_index_hotel(st->mini, st->ids[i]);
		PricingCity *mc;

		if (m == NULL)
			continue;
		mc = pricing_index_city_entry(st->mini, m->city);
		if (mc == NULL || mc->blocks == NULL)
			continue;			/* freed with an earlier hotel of its city */
		for (int32 b = 0; b < mc->nblocks; b++)
		{
			PricingBlock *blk = mc->blocks[b];

			pfree(blk->hotels);
			pfree(blk->rooms);
			pfree(blk->nights);
			pfree(blk->rows);
			pfree(blk->cum);
			pfree(blk->briefs);
			pfree(blk);
		}
		pfree(mc->blocks);
		mc->blocks = NULL;
		pfree((void *) mc->hotels);
		for (int32 o = 0; o < PRICING_ORDER_SETS * (mc->nperiods + 1); o++)
			pfree(mc->orders[o]);
		pfree(mc->orders);
	}
	pricing_index_free_directory(st->mini);
	st->mini = NULL;
}

/* the rates of a hotel in the window: its rooms' bits in its block's rows */
static int64
hotel_rates(const PricingHotel *h, int32 ndays)
{
	const PricingBlock *b = h->block;
	int64		n = 0;

	for (int32 d = 0; d < ndays; d++)
		for (int32 r = h->first_room; r < h->first_room + h->nrooms; r++)
			n += pricing_night_has_rate(b, r, d);
	return n;
}

/* note a chunk of the serving generation that the new one does not reach */
static void
retire(ApplyState *st, const void *chunk)
{
	Assert(GetMemoryChunkContext((void *) chunk) == st->cxt);
	st->retired = lappend(st->retired, (void *) chunk);
}
