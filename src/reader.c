/*-------------------------------------------------------------------------
 *
 * reader.c
 *		The pinning protocol by which backends read the serving generation.
 *
 * Each backend owns one reader slot (indexed by its BackendId).  To read, it
 * publishes the generation it is about to use in its slot, issues a full
 * memory barrier, and checks that the generation is still serving; if not,
 * it retries.  The worker does the mirror image: it publishes a new
 * generation, issues a barrier, and only then scans the slots for readers
 * of the old one.  Either the reader sees the new generation and retries, or
 * the worker sees the reader's pin and waits: a generation is never freed
 * under a reader.
 *
 * A pin lasts one C function call at most.  The SQL functions take it,
 * copy what they need into their own memory, and drop it in PG_FINALLY, so
 * an error releases it; a backend that exits mid-call releases it in a
 * before_shmem_exit callback.  A reader that drops a generation that is no
 * longer serving wakes the worker, which can then free it at once.
 *
 * Readers never allocate, write or free anything in the arena.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/ipc.h"

#include "pricing.h"

static PricingReaderSlot *my_slot = NULL;

static PricingReaderSlot *reader_slot(PricingShared *s);
static void pricing_reader_exit(int code, Datum arg);

/*
 * Pin the serving generation and return its index.  Errors if there is none,
 * or if it copies another database than the caller's, unless missing_ok: then
 * returns NULL when there is none, and does not check the database.
 */
const PricingIndex *
pricing_pin(bool missing_ok)
{
	PricingShared *s = pricing_get_shared();
	PricingReaderSlot *slot = reader_slot(s);
	const PricingIndex *index;
	uint64		gen;

	Assert(pg_atomic_read_u64(&slot->pin) == 0);

	for (;;)
	{
		gen = pg_atomic_read_u64(&s->serving);
		if (gen == 0 && missing_ok)
			return NULL;
		if (gen == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("pricing index is not loaded yet"),
					 errhint("The refresh worker loads it at startup and after changes; "
							 "call pricing.refresh() to wait for it, and see pricing.status for errors.")));
		pg_atomic_write_u64(&slot->pin, gen);
		pg_memory_barrier();
		if (pg_atomic_read_u64(&s->serving) == gen)
			break;
		pricing_unpin();		/* gen is retired: wake the worker to free it */
	}
	/*
	 * The worker stores the index before the number that leads to it, so
	 * this is generation gen's index or a newer one, which the pin protects
	 * as well: the worker frees a chunk only when no pin is older than the
	 * first generation without it (incremental.c).
	 */
	pg_read_barrier();
	index = s->current;

	if (!missing_ok && index->database != MyDatabaseId)
	{
		pricing_unpin();
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pricing index serves another database"),
				 errdetail("The index is loaded from database \"%s\" (pricing.database).",
						   pricing_database),
				 errhint("Connect to that database, or change pricing.database and restart the server.")));
	}
	return index;
}

void
pricing_unpin(void)
{
	PricingShared *s = pricing_shared;
	uint64		gen;

	if (my_slot == NULL)
		return;
	gen = pg_atomic_exchange_u64(&my_slot->pin, 0);
	if (gen != 0 && gen != pg_atomic_read_u64(&s->serving))
		pricing_wake_worker();
}

/*
 * The backends that pin generation gen, or any generation when gen is 0:
 * how many there are, counting up to max, and in pids (unless NULL) the
 * process IDs of that many.  The scan takes no lock, so it sees each slot
 * as it was at some moment during the scan; a caller that must not miss a
 * pin (the worker, before it frees a generation) issues a memory barrier
 * first (see the protocol above).
 */
int
pricing_readers(uint64 gen, int *pids, int max)
{
	PricingShared *s = pricing_shared;
	int			n = 0;

	for (int i = 0; i < s->nslots && n < max; i++)
	{
		uint64		pin = pg_atomic_read_u64(&s->slots[i].pin);

		if (pin == 0 || (gen != 0 && pin != gen))
			continue;
		if (pids != NULL)
			pids[n] = s->slots[i].pid;
		n++;
	}
	return n;
}

/*
 * The oldest generation any backend pins, or PG_UINT64_MAX when none does.
 * What only generations older than g could reach is free to go once this
 * is g or more.  As for pricing_readers(), the caller issues a memory
 * barrier first.
 */
uint64
pricing_oldest_pin(void)
{
	PricingShared *s = pricing_shared;
	uint64		oldest = PG_UINT64_MAX;

	for (int i = 0; i < s->nslots; i++)
	{
		uint64		pin = pg_atomic_read_u64(&s->slots[i].pin);

		if (pin != 0)
			oldest = Min(oldest, pin);
	}
	return oldest;
}

static PricingReaderSlot *
reader_slot(PricingShared *s)
{
	if (my_slot == NULL)
	{
		if (MyBackendId < 1 || MyBackendId > s->nslots)
			elog(ERROR, "pricing: backend id %d has no reader slot", MyBackendId);
		my_slot = &s->slots[MyBackendId - 1];
		my_slot->pid = MyProcPid;
		before_shmem_exit(pricing_reader_exit, (Datum) 0);
	}
	return my_slot;
}

static void
pricing_reader_exit(int code, Datum arg)
{
	/* like any unpin: wake the worker if the generation was retired */
	pricing_unpin();
}
