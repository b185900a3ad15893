/*-------------------------------------------------------------------------
 *
 * arena.c
 *		The arena and its memory context type: one mimalloc heap per index
 *		generation, in shared memory, owned by the refresh worker.
 *
 * Only the refresh worker calls anything in this file.  It hands each half of
 * the arena reserved by shmem.c to mimalloc as an exclusive arena
 * (mi_manage_os_memory_ex), so heaps made for it with mi_heap_new_in_arena
 * allocate there and nowhere else, and return NULL when it is full instead of
 * falling back to private memory.  Every generation of the index is built in
 * its own MemoryContext of the type defined here, backed by one such heap:
 * palloc, simplehash and friends work on it unchanged, it shows up in
 * pg_log_backend_memory_contexts() of the worker, and deleting it is
 * mi_heap_destroy(), which gives the whole generation back to the arena at
 * once, freed by the very process that allocated it.  That last point is
 * the reason for the design: mimalloc reclaims memory freed by another
 * thread or process only when the owner allocates again, so an owner that
 * sleeps while others free its blocks leaks (doc/design.md, "The story
 * behind it").
 *
 * The halves are registered lazily, the first time this process builds a
 * generation in them.  A restarted worker therefore never hands mimalloc the
 * half that still holds the generation readers are using; by the time it
 * needs that half, the generation there has been retired and unpinned.
 *
 * PostgreSQL 15 has no hook for new context types: MemoryContextIsValid()
 * knows only the built-in node tags, so this type carries
 * T_GenerationContext.  Nothing in this file, and nothing that receives
 * these contexts, treats them as PostgreSQL's generation contexts; only the
 * methods table below is ever called.
 *
 * Each chunk is preceded by the owning context's pointer, as PG 15's
 * GetMemoryChunkContext() expects.  Chunks are never freed by readers:
 * pfree() and repalloc() are used only by the worker while building.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <mimalloc.h>

#include "nodes/memnodes.h"
#include "utils/memutils.h"

#include "pricing.h"

/*
 * How much of each segment-sized block of a half is cleared before mimalloc
 * manages it: more than a segment's header (its page descriptors, about 50
 * kB in mimalloc 2.0), see arena_attach_half().
 */
#define SEGMENT_HEADER_CLEAR	((Size) 1024 * 1024)

/* space in front of each chunk for the context pointer, kept MAXALIGNed */
#define CHUNK_HEADER	MAXALIGN(sizeof(MemoryContext))

typedef struct ArenaContext
{
	MemoryContextData header;	/* standard memory-context fields */
	mi_heap_t  *heap;
	int			half;
	char	   *lo;				/* bounds of the half, for sanity checks */
	char	   *hi;
	Size		bytes;			/* usable bytes of the live chunks */
	Size		nchunks;
	Size		failed_request; /* size of an allocation that did not fit */
	bool		full_error_raised;	/* pricing_arena_full_error() said so */
	char		name[64];
} ArenaContext;

/* this process's view of the two halves */
static bool half_attached[2];
static mi_arena_id_t half_arena[2];

static void arena_attach_half(int half);
static mi_heap_t *arena_new_heap(int half);
static bool sum_committed(const mi_heap_t *heap, const mi_heap_area_t *area,
						  void *block, size_t block_size, void *arg);

/* the methods of the context type */
static void *arena_alloc(MemoryContext context, Size size);
static void arena_free(MemoryContext context, void *pointer);
static void *arena_realloc(MemoryContext context, void *pointer, Size size);
static void arena_reset(MemoryContext context);
static void arena_delete(MemoryContext context);
static Size arena_get_chunk_space(MemoryContext context, void *pointer);
static bool arena_is_empty(MemoryContext context);
static void arena_stats(MemoryContext context,
						MemoryStatsPrintFunc printfunc, void *passthru,
						MemoryContextCounters *totals,
						bool print_to_stderr);
#ifdef MEMORY_CONTEXT_CHECKING
static void arena_check(MemoryContext context);
#endif

static const MemoryContextMethods ArenaMethods = {
	arena_alloc,
	arena_free,
	arena_realloc,
	arena_reset,
	arena_delete,
	arena_get_chunk_space,
	arena_is_empty,
	arena_stats
#ifdef MEMORY_CONTEXT_CHECKING
	,arena_check
#endif
};

/*
 * Create the context of one generation, in the given half of the arena.
 */
MemoryContext
pricing_arena_context_create(MemoryContext parent, int half, uint64 generation)
{
	ArenaContext *cxt;
	PricingShared *s = pricing_shared;

	arena_attach_half(half);

	/*
	 * The header is worker-private, like those of PostgreSQL's own contexts;
	 * only chunks are shared.
	 */
	cxt = (ArenaContext *) malloc(sizeof(ArenaContext));
	if (cxt == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	memset(cxt, 0, sizeof(ArenaContext));
	cxt->half = half;
	cxt->lo = s->arena + (Size) half * s->half_size;
	cxt->hi = cxt->lo + s->half_size;
	snprintf(cxt->name, sizeof(cxt->name),
			 "pricing generation " UINT64_FORMAT, generation);

	PG_TRY();
	{
		cxt->heap = arena_new_heap(half);
	}
	PG_CATCH();
	{
		free(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	MemoryContextCreate((MemoryContext) cxt, T_GenerationContext,
						&ArenaMethods, parent, cxt->name);
	return (MemoryContext) cxt;
}

/*
 * Hand one half of the arena to mimalloc, once per process.
 */
static void
arena_attach_half(int half)
{
	PricingShared *s = pricing_shared;
	char	   *start;

	Assert(half == 0 || half == 1);
	if (half_attached[half])
		return;

	start = s->arena + (Size) half * s->half_size;

	/*
	 * A half may hold what an earlier worker process left there.  mimalloc
	 * 2.0.9 reports each block of a newly managed arena as zeroed the first
	 * time it hands it out, whatever is_zero below says, and then skips
	 * clearing the header of the segment it puts there: stale page headers
	 * (free lists of chunks the earlier worker freed one by one) would then
	 * be taken for its own, and corrupt the heap.  So clear the start of
	 * every block, where a segment's header goes, before mimalloc sees them;
	 * nobody reads this half now (the worker builds only in a half no
	 * reader pins).
	 */
	for (Size off = 0; off + SEGMENT_HEADER_CLEAR <= s->half_size; off += PRICING_SEGMENT_SIZE)
		memset(start + off, 0, SEGMENT_HEADER_CLEAR);

	/*
	 * The memory is committed shared memory that mimalloc must never
	 * decommit or reset (that would be wasted work at best), so it is
	 * declared "large": mimalloc treats such memory as pinned.  It is not
	 * declared zeroed, because a previous worker may have used it.
	 */
	if (!mi_manage_os_memory_ex(start, s->half_size,
								true,	/* is_committed */
								true,	/* is_large */
								false,	/* is_zero */
								-1,		/* numa_node */
								true,	/* exclusive */
								&half_arena[half]))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("mimalloc refused to manage pricing arena half %d", half)));
	half_attached[half] = true;
}

static mi_heap_t *
arena_new_heap(int half)
{
	mi_heap_t  *heap = mi_heap_new_in_arena(half_arena[half]);

	if (heap == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a mimalloc heap in pricing arena half %d",
						half)));
	return heap;
}

/* whether context is one of this file's (else an ordinary local one) */
bool
pricing_is_arena_context(MemoryContext context)
{
	return context->methods == &ArenaMethods;
}

Size
pricing_arena_context_bytes(MemoryContext context)
{
	return ((ArenaContext *) context)->bytes;
}

/*
 * mimalloc's own view of a generation: the bytes its heap has committed in
 * the arena (whole pages, free space within them included).
 */
Size
pricing_arena_context_committed(MemoryContext context)
{
	Size		committed = 0;

	mi_heap_visit_blocks(((ArenaContext *) context)->heap, false,
						 sum_committed, &committed);
	return committed;
}

/* mi_heap_visit_blocks() callback: add up the committed bytes of an area */
static bool
sum_committed(const mi_heap_t *heap, const mi_heap_area_t *area,
			  void *block, size_t block_size, void *arg)
{
	*(Size *) arg += area->committed;
	return true;
}

/*
 * The error of a generation that does not fit, raised by the loader when it
 * knows before allocating: needed is what the whole generation would take,
 * as far as it is known.  The context remembers that it raised it, so that
 * pricing_arena_explain_error() leaves it as it is.
 */
void
pricing_arena_full_error(MemoryContext context, Size needed)
{
	Size		half = pricing_shared->half_size;
	Size		mb = 1024 * 1024;

	((ArenaContext *) context)->full_error_raised = true;
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("pricing index does not fit in pricing.shared_memory"),
			 errdetail("The index needs %zu bytes; a generation may use %zu bytes, half of pricing.shared_memory.",
					   needed, half),
			 errhint("Set pricing.shared_memory to at least %zuMB and restart the server.",
					 2 * ((needed + 32 * mb - 1) / (32 * mb)) * 32)));
}

/*
 * After a build in the context failed with edata: when the cause was an
 * allocation that did not fit in the half, say that the index does not fit
 * and how much it needed at least.  The allocation methods return NULL
 * then, as PostgreSQL's own contexts do when malloc fails, so palloc has
 * raised its generic "out of memory", which names neither the setting nor
 * the size.  An error of pricing_arena_full_error() already says both.
 */
void
pricing_arena_explain_error(MemoryContext context, ErrorData *edata)
{
	ArenaContext *cxt = (ArenaContext *) context;

	if (cxt->failed_request == 0 || cxt->full_error_raised ||
		edata->sqlerrcode != ERRCODE_OUT_OF_MEMORY)
		return;
	edata->message = psprintf("pricing index does not fit in pricing.shared_memory");
	edata->detail = psprintf("The index needs more than %zu bytes; a generation may use %zu bytes, half of pricing.shared_memory.",
							 cxt->bytes + cxt->failed_request,
							 pricing_shared->half_size);
}

static void *
arena_alloc(MemoryContext context, Size size)
{
	ArenaContext *cxt = (ArenaContext *) context;
	char	   *block;

	block = mi_heap_malloc(cxt->heap, size + CHUNK_HEADER);
	if (block == NULL)
	{
		cxt->failed_request = size;
		return NULL;
	}

	/*
	 * An exclusive arena never spills into private memory, but if it ever
	 * did, readers would follow a pointer into another process's address
	 * space; refuse loudly instead.
	 */
	if (block < cxt->lo || block + size + CHUNK_HEADER > cxt->hi)
	{
		mi_free(block);
		elog(ERROR, "mimalloc returned memory outside the pricing arena");
	}

	*(MemoryContext *) block = context;
	cxt->bytes += mi_usable_size(block);
	cxt->nchunks++;
	return block + CHUNK_HEADER;
}

static void
arena_free(MemoryContext context, void *pointer)
{
	ArenaContext *cxt = (ArenaContext *) context;
	char	   *block = (char *) pointer - CHUNK_HEADER;

	cxt->bytes -= mi_usable_size(block);
	cxt->nchunks--;
	mi_free(block);
}

static void *
arena_realloc(MemoryContext context, void *pointer, Size size)
{
	ArenaContext *cxt = (ArenaContext *) context;
	char	   *block = (char *) pointer - CHUNK_HEADER;
	Size		old = mi_usable_size(block);
	char	   *newblock;

	newblock = mi_heap_realloc(cxt->heap, block, size + CHUNK_HEADER);
	if (newblock == NULL)
	{
		cxt->failed_request = size; /* the old chunk is still valid */
		return NULL;
	}
	if (newblock < cxt->lo || newblock + size + CHUNK_HEADER > cxt->hi)
		elog(ERROR, "mimalloc returned memory outside the pricing arena");
	cxt->bytes += mi_usable_size(newblock) - old;
	return newblock + CHUNK_HEADER;
}

static void
arena_reset(MemoryContext context)
{
	ArenaContext *cxt = (ArenaContext *) context;

	if (cxt->nchunks == 0)
		return;
	mi_heap_destroy(cxt->heap);
	cxt->heap = NULL;
	cxt->bytes = 0;
	cxt->nchunks = 0;
	cxt->heap = arena_new_heap(cxt->half);
}

static void
arena_delete(MemoryContext context)
{
	ArenaContext *cxt = (ArenaContext *) context;

	if (cxt->heap != NULL)
		mi_heap_destroy(cxt->heap);
	free(cxt);
}

static Size
arena_get_chunk_space(MemoryContext context, void *pointer)
{
	return mi_usable_size((char *) pointer - CHUNK_HEADER);
}

static bool
arena_is_empty(MemoryContext context)
{
	return ((ArenaContext *) context)->nchunks == 0;
}

static void
arena_stats(MemoryContext context,
			MemoryStatsPrintFunc printfunc, void *passthru,
			MemoryContextCounters *totals, bool print_to_stderr)
{
	ArenaContext *cxt = (ArenaContext *) context;

	if (printfunc)
	{
		char		stats_string[200];

		snprintf(stats_string, sizeof(stats_string),
				 "%zu bytes in %zu chunks in mimalloc arena half %d of %zu bytes",
				 cxt->bytes, cxt->nchunks, cxt->half, cxt->hi - cxt->lo);
		printfunc(context, passthru, stats_string, print_to_stderr);
	}
	if (totals)
	{
		totals->nblocks += cxt->nchunks;
		totals->totalspace += cxt->bytes;
	}
}

#ifdef MEMORY_CONTEXT_CHECKING
static void
arena_check(MemoryContext context)
{
	ArenaContext *cxt = (ArenaContext *) context;

	if (cxt->heap == NULL)
		elog(WARNING, "problem in pricing arena context %s: no heap", cxt->name);
}
#endif
