/*-------------------------------------------------------------------------
 *
 * shmem.c
 *		The shared control block, the reader slots and the arena reserve.
 *
 * All of it lives in the main shared memory segment, reserved by the
 * postmaster (shmem_request_hook) and initialised once (shmem_startup_hook).
 * The arena is only reserved here: it is handed to mimalloc by the refresh
 * worker alone (arena.c), so that one process owns every allocation in it.
 *
 * The arena is split into two halves, each a whole number of mimalloc
 * segments (32 MiB) and aligned to a segment boundary, because mimalloc finds
 * a block's segment by masking its address.  Generation g lives in half
 * g % 2, so a restarted worker can build in the half that holds no serving
 * generation while readers keep using the other.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "pricing.h"


PricingShared *pricing_shared = NULL;

static Size pricing_control_size(void);
static Size pricing_arena_reserve(void);
static Size pricing_half_size(void);

/*
 * Reserve the control block, the arena and the lock (shmem_request_hook).
 */
void
pricing_shmem_request(void)
{
	RequestAddinShmemSpace(pricing_control_size());
	RequestAddinShmemSpace(pricing_arena_reserve());
	RequestNamedLWLockTranche("pricing", 1);
}

/*
 * Create and initialise the control block and the arena (shmem_startup_hook:
 * at server start, and again after a crash restart, in a new segment).
 */
void
pricing_shmem_startup(void)
{
	bool		found;
	char	   *reserve;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	pricing_shared = ShmemInitStruct("pricing", pricing_control_size(), &found);
	reserve = ShmemInitStruct("pricing arena", pricing_arena_reserve(), &found);

	if (!found)
	{
		PricingShared *s = pricing_shared;

		memset(s, 0, pricing_control_size());
		s->lock = &(GetNamedLWLockTranche("pricing"))->lock;
		pg_atomic_init_u64(&s->serving, 0);
		pg_atomic_init_u64(&s->request_seq, 0);
		pg_atomic_init_u64(&s->change_seq, 0);
		ConditionVariableInit(&s->refresh_cv);
		s->arena = (char *) TYPEALIGN(PRICING_SEGMENT_SIZE, reserve);
		s->half_size = pricing_half_size();
		s->nslots = MaxBackends;
		for (int i = 0; i < s->nslots; i++)
			pg_atomic_init_u64(&s->slots[i].pin, 0);
	}

	LWLockRelease(AddinShmemInitLock);
}

/*
 * The control block, or an error saying why there is none.
 */
PricingShared *
pricing_get_shared(void)
{
	if (pricing_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pricing is not loaded through shared_preload_libraries"),
				 errhint("Add \"pricing\" to shared_preload_libraries in postgresql.conf and restart the server.")));
	return pricing_shared;
}

/*
 * Set the worker's latch, if there is a worker.  The pointer is read without
 * the lock: a stale one points at the latch of a PGPROC that no longer
 * belongs to the worker, and setting it costs at most a spurious wakeup.
 */
void
pricing_wake_worker(void)
{
	Latch	   *latch;

	if (pricing_shared == NULL)
		return;
	latch = (Latch *) pricing_shared->worker_latch;
	if (latch != NULL)
		SetLatch(latch);
}

/* the control block with a reader slot for every backend */
static Size
pricing_control_size(void)
{
	return add_size(offsetof(PricingShared, slots),
					mul_size(MaxBackends, sizeof(PricingReaderSlot)));
}

static Size
pricing_arena_reserve(void)
{
	/* two halves, plus room to align the first to a segment boundary */
	return add_size(mul_size(pricing_half_size(), 2), PRICING_SEGMENT_SIZE);
}

/*
 * A half of the arena: half of pricing.shared_memory, in whole segments,
 * one at least.
 */
static Size
pricing_half_size(void)
{
	Size		total = (Size) pricing_shared_memory_mb * 1024 * 1024;

	return Max(PRICING_SEGMENT_SIZE,
			   (total / 2) / PRICING_SEGMENT_SIZE * PRICING_SEGMENT_SIZE);
}
