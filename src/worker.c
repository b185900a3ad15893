/*-------------------------------------------------------------------------
 *
 * worker.c
 *		The refresh worker: the one process that allocates and frees index
 *		memory.
 *
 * It sleeps on its latch and wakes for pricing.refresh() requests, committed
 * changes to the source tables, the refresh interval, the change of day
 * (the window starts yesterday), SIGHUP and shutdown.  A refresh reads all
 * source tables in one REPEATABLE READ snapshot, builds the new generation
 * in its own arena context (arena.c, load.c), publishes it with one atomic
 * store, and retires the old one, which it deletes as soon as no reader
 * pins it.  A failed refresh deletes its half-built context; the serving
 * generation is untouched, and the error goes to the log, to
 * pricing.status and to whoever waits in pricing.refresh(true).
 *
 * Generation g lives in arena half g % 2.  Before building g, the worker
 * waits until generation g - 2, the previous tenant of that half, is
 * unpinned; at most two generations therefore ever exist, and a stuck
 * reader delays refreshes instead of growing memory.
 *
 * The worker never answers queries, and it runs no SQL but its own fixed
 * queries over the source tables.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "pricing.h"

/* how often a worker waiting for readers to unpin looks again */
#define PIN_POLL_MS				100
/* after how long it says in the log who keeps a generation pinned */
#define PIN_WARN_MS				10000
/* the worker's nice value: below the backends, which run at 0 */
#define WORKER_NICE				10
/* how often a hot standby's worker checks whether replay changed the tables */
#define STANDBY_POLL_MS			500

/* this process's generation contexts, by arena half */
static MemoryContext half_cxt[2];
static uint64 half_gen[2];

/*
 * A refresh is background work that competes for the same cores as the
 * queries it serves: at a lower priority it takes mostly the CPU they
 * leave, and a query that wakes up takes the core at once.
 *
 * On Linux with autogroup scheduling (CONFIG_SCHED_AUTOGROUP, which
 * Debian's kernels enable) the CPU is shared first between autogroups, one
 * per session, and nice values count only inside a group.  Every postmaster
 * child starts a session of its own (InitPostmasterChild), so the worker is
 * alone in its group and its nice value changes nothing: measured with two
 * pgbench clients on two cores, a continuous refresh at nice 10 made the
 * p99 latency of cheapest 1.5 to 3 times the idle one, with stalls of 4 ms
 * (a scheduler tick), as any busy process in a session of its own.  The
 * group's own nice value, in /proc/self/autogroup, is what lowers its
 * share.  Where that file does not exist there are no autogroups, and nice
 * is enough.
 *
 * (The idle scheduling class was tried too: it starved refreshes under
 * load, and did not help the tail as long as the group kept its share.)
 */
static void
lower_priority(void)
{
	int			fd;

	if (setpriority(PRIO_PROCESS, 0, WORKER_NICE) != 0)
		ereport(LOG,
				(errmsg("could not lower the pricing refresh worker's priority: %m")));

	fd = OpenTransientFile("/proc/self/autogroup", O_WRONLY);
	if (fd < 0)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not open file \"%s\": %m", "/proc/self/autogroup")));
		return;
	}
	{
		char		nice[16];
		int			len = snprintf(nice, sizeof(nice), "%d\n", WORKER_NICE);

		if (write(fd, nice, len) != len)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not lower the pricing refresh worker's autogroup priority: %m")));
	}
	CloseTransientFile(fd);
}

void
pricing_register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 1;
	strlcpy(worker.bgw_library_name, "pricing", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "pricing_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "pricing refresh worker", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "pricing refresh worker", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

static void
worker_exit(int code, Datum arg)
{
	PricingShared *s = pricing_shared;

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	if (s->worker_pid == MyProcPid)
	{
		s->worker_pid = 0;
		s->worker_latch = NULL;
	}
	LWLockRelease(s->lock);
}

/*
 * The backend pinning generation gen, if any (its pid), else 0.
 */
static int
pinned_by(uint64 gen)
{
	PricingShared *s = pricing_shared;

	for (int i = 0; i < s->nslots; i++)
		if (pg_atomic_read_u64(&s->slots[i].pin) == gen)
			return s->slots[i].pid;
	return 0;
}

/*
 * Record in shared memory what lives in a half, for pricing.status and
 * pricing.generations.  After a restart the worker does not own the
 * generation that serves, but its record stays until it is retired.
 */
static void
set_half_status(int half, uint64 gen, MemoryContext cxt)
{
	PricingShared *s = pricing_shared;
	Size		bytes = cxt ? pricing_arena_context_bytes(cxt) : 0;
	Size		committed = cxt ? pricing_arena_context_committed(cxt) : 0;

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->half_generation[half] = gen;
	s->half_bytes[half] = bytes;
	s->half_committed[half] = committed;
	LWLockRelease(s->lock);
}

/*
 * Delete the context of a retired generation once nobody pins it.  With
 * wait, sleep until then (still serving requests to shut down); without,
 * just look.  Returns true when the half is free.
 */
static bool
release_half(int half, uint64 gen, bool wait)
{
	TimestampTz since = GetCurrentTimestamp();
	bool		warned = false;

	for (;;)
	{
		int			pid;

		pg_memory_barrier();
		pid = gen == 0 ? 0 : pinned_by(gen);
		if (pid == 0)
			break;
		if (!wait)
			return false;
		if (!warned && TimestampDifferenceExceeds(since, GetCurrentTimestamp(), PIN_WARN_MS))
		{
			ereport(LOG,
					(errmsg("pricing generation " UINT64_FORMAT " is still pinned by the backend with PID %d",
							gen, pid),
					 errdetail("The next generation cannot be built until it is released.")));
			warned = true;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 PIN_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		QueryCancelPending = false; /* nothing to cancel: see the main loop */
		CHECK_FOR_INTERRUPTS();
	}

	if (half_cxt[half] != NULL && half_gen[half] == gen)
	{
		MemoryContextDelete(half_cxt[half]);
		half_cxt[half] = NULL;
		half_gen[half] = 0;
	}
	if (gen != 0 && pricing_shared->half_generation[half] == gen)
		set_half_status(half, 0, NULL);
	return true;
}

static void
record_outcome(uint64 start_seq, bool ok, ErrorData *edata)
{
	PricingShared *s = pricing_shared;

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->done_seq = Max(s->done_seq, start_seq);
	if (ok)
	{
		s->ok_seq = Max(s->ok_seq, start_seq);
		s->refreshes++;
		s->last_error[0] = '\0';
		s->last_errcode = 0;
	}
	else
	{
		s->failed_refreshes++;
		s->last_errcode = edata->sqlerrcode;
		if (edata->detail)
			snprintf(s->last_error, PRICING_ERROR_LEN, "%s (%s)",
					 edata->message, edata->detail);
		else
			strlcpy(s->last_error, edata->message, PRICING_ERROR_LEN);
	}
	LWLockRelease(s->lock);
	ConditionVariableBroadcast(&s->refresh_cv);
}

/*
 * One refresh attempt.  Returns true on success.
 */
static bool
refresh(MemoryContext worker_cxt)
{
	PricingShared *s = pricing_shared;
	uint64		start_seq;
	uint64		serving = pg_atomic_read_u64(&s->serving);
	uint64		gen = serving + 1;
	int			half = gen % 2;
	volatile MemoryContext cxt = NULL;
	PricingIndex *volatile index = NULL;
	TimestampTz start;
	bool		ok = true;
	Oid			worker_role;
	Oid			save_userid;
	int			save_sec_context;

	/* the previous tenant of this half must be gone before we build there */
	release_half(half, gen >= 2 ? gen - 2 : 0, true);

	/*
	 * Take the request number before the snapshot: every request up to it
	 * was made before the snapshot, so this attempt covers it.
	 */
	start_seq = pg_atomic_read_u64(&s->request_seq);
	pg_memory_barrier();

	start = GetCurrentTimestamp();
	pgstat_report_activity(STATE_RUNNING, "refreshing the pricing index");

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		XactIsoLevel = XACT_REPEATABLE_READ;
		XactReadOnly = true;

		/*
		 * Read as pricing_worker, a role the extension creates with SELECT
		 * on its tables and nothing else, rather than as the bootstrap
		 * superuser the worker connects as (it must connect before the
		 * extension, and so the role, may exist).  Abort restores the user;
		 * so does the code after commit.
		 */
		GetUserIdAndSecContext(&save_userid, &save_sec_context);
		worker_role = get_role_oid("pricing_worker", true);
		if (OidIsValid(worker_role))
			SetUserIdAndSecContext(worker_role,
								   save_sec_context |
								   SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_RESTRICTED_OPERATION);

		/*
		 * A refresh is one statement to the worker's settings: it obeys
		 * statement_timeout as a client's statement would (lock_timeout is
		 * enforced by the lock manager itself).
		 */
		if (StatementTimeout > 0)
			enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());

		cxt = pricing_arena_context_create(TopMemoryContext, half, gen);
		index = pricing_load_index(cxt);
		index->generation = gen;
		index->loaded_at = GetCurrentTimestamp();
		index->refresh_ms = (double) (index->loaded_at - start) / 1000.0;

		SPI_finish();
		PopActiveSnapshot();
		SetUserIdAndSecContext(save_userid, save_sec_context);
		CommitTransactionCommand();
		disable_timeout(STATEMENT_TIMEOUT, false);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		disable_timeout(STATEMENT_TIMEOUT, false);

		MemoryContextSwitchTo(worker_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		if (cxt != NULL)
		{
			Size		failed = pricing_arena_context_failed_request(cxt);

			/* an allocation elsewhere than the loader's ran out of arena */
			if (failed > 0 && edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY &&
				strstr(edata->message, "pricing.shared_memory") == NULL)
			{
				edata->message = psprintf("pricing index does not fit in pricing.shared_memory");
				edata->detail = psprintf("The index needs more than %zu bytes; a generation may use %zu bytes, half of pricing.shared_memory.",
										 pricing_arena_context_bytes(cxt) + failed,
										 s->half_size);
			}
			MemoryContextDelete(cxt);
		}
		cxt = NULL;

		ereport(LOG,
				(errmsg("pricing refresh failed: %s", edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0,
				 serving != 0 ?
				 errhint("Generation " UINT64_FORMAT " keeps serving.", serving) :
				 errhint("No generation has been loaded yet.")));
		record_outcome(start_seq, false, edata);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();

	pgstat_report_activity(STATE_IDLE, NULL);
	if (!ok)
		return false;

	/* publish: the index first, then the number that leads to it */
	half_cxt[half] = cxt;
	half_gen[half] = gen;
	s->gens[half] = index;
	pg_write_barrier();
	pg_atomic_write_u64(&s->serving, gen);
	set_half_status(half, gen, cxt);

	ereport(LOG,
			(errmsg("pricing generation " UINT64_FORMAT " loaded: %lld hotels, %lld rooms, %lld rates, %zu bytes in %.1f ms",
					gen, (long long) index->nhotels, (long long) index->nrooms,
					(long long) index->nrates, index->bytes, index->refresh_ms)));
	record_outcome(start_seq, true, NULL);

	/* free the previous generation now if nobody reads it */
	if (serving != 0)
		release_half(1 - half, serving, false);
	return true;
}

/*
 * On a hot standby: whether replayed changes have reached the source tables
 * since the serving generation was loaded (see changes.c).  Replay position
 * is cheap to read; the counter is read only when it has moved.
 */
static bool
standby_changes(XLogRecPtr *last_replay)
{
	PricingShared *s = pricing_shared;
	uint64		serving = pg_atomic_read_u64(&s->serving);
	XLogRecPtr	replay = GetXLogReplayRecPtr(NULL);
	MemoryContext oldcxt = CurrentMemoryContext;
	int64		count = 0;
	bool		ok = true;

	if (serving == 0 || replay == *last_replay)
		return false;
	*last_replay = replay;

	PG_TRY();
	{
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		count = pricing_change_count();
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* the next refresh will report whatever is wrong */
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		AbortCurrentTransaction();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);

	return ok && count != s->gens[serving % 2]->change_count;
}

static DateADT
today(void)
{
	return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
											   TimestampTzGetDatum(GetCurrentTimestamp())));
}

void
pricing_worker_main(Datum main_arg)
{
	PricingShared *s;
	MemoryContext worker_cxt;
	uint64		seen_changes;
	TimestampTz last_attempt;
	DateADT		loaded_day;
	int			loaded_horizon;
	bool		need = true;	/* load at start */
	XLogRecPtr	last_replay = InvalidXLogRecPtr;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	s = pricing_shared;
	if (s == NULL)
		elog(ERROR, "pricing shared memory is not initialized");

	BackgroundWorkerInitializeConnection(pricing_database, NULL, 0);
	pgstat_report_appname("pricing refresh worker");

	lower_priority();

	/*
	 * The worker connects as a superuser.  Its queries must resolve to the
	 * system's operators and functions only, never to objects that whoever
	 * may create them in a schema on the configured search_path put there
	 * (an operator numeric * integer in public would otherwise be chosen
	 * over the built-in numeric * numeric and run as superuser).  Nothing
	 * later can override this: not postgresql.conf on reload, nor settings
	 * of the database or role.
	 */
	SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_OVERRIDE);

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->worker_pid = MyProcPid;
	s->worker_latch = MyLatch;
	LWLockRelease(s->lock);
	before_shmem_exit(worker_exit, (Datum) 0);

	worker_cxt = AllocSetContextCreate(TopMemoryContext, "pricing refresh worker",
									   ALLOCSET_DEFAULT_SIZES);

	seen_changes = pg_atomic_read_u64(&s->change_seq);
	last_attempt = GetCurrentTimestamp();
	loaded_day = today();
	loaded_horizon = pricing_horizon_days;

	for (;;)
	{
		long		timeout;
		uint64		changes;
		uint64		requested;
		uint64		done;

		/*
		 * A cancel (pg_cancel_backend, or a statement timeout that fired
		 * after the refresh's last interrupt check) means nothing between
		 * refreshes; left pending, CHECK_FOR_INTERRUPTS would raise it here,
		 * outside any handler, and end the worker.
		 */
		QueryCancelPending = false;
		CHECK_FOR_INTERRUPTS();

		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			if (pricing_horizon_days != loaded_horizon)
				need = true;
		}

		/* a retired generation goes as soon as its readers do */
		{
			uint64		serving = pg_atomic_read_u64(&s->serving);

			if (serving != 0)
				release_half(1 - serving % 2, serving - 1, false);
		}

		changes = pg_atomic_read_u64(&s->change_seq);
		requested = pg_atomic_read_u64(&s->request_seq);
		LWLockAcquire(s->lock, LW_SHARED);
		done = s->done_seq;
		LWLockRelease(s->lock);

		if (changes != seen_changes || requested > done)
			need = true;
		if (pricing_refresh_interval > 0 &&
			TimestampDifferenceExceeds(last_attempt, GetCurrentTimestamp(),
									   pricing_refresh_interval * 1000))
			need = true;
		if (today() != loaded_day)
			need = true;
		if (!need && RecoveryInProgress() && standby_changes(&last_replay))
			need = true;

		if (need)
		{
			need = false;
			seen_changes = changes;
			last_attempt = GetCurrentTimestamp();
			loaded_day = today();
			loaded_horizon = pricing_horizon_days;
			MemoryContextSwitchTo(worker_cxt);
			(void) refresh(worker_cxt);
			MemoryContextReset(worker_cxt);
			continue;
		}

		/* sleep until something happens, at most until the next interval */
		timeout = 60000;
		if (pricing_refresh_interval > 0)
		{
			long		secs;
			int			usecs;

			TimestampDifference(GetCurrentTimestamp(),
								TimestampTzPlusMilliseconds(last_attempt,
															pricing_refresh_interval * 1000),
								&secs, &usecs);
			timeout = Min(timeout, secs * 1000 + usecs / 1000 + 1);
		}
		/* a standby learns of changes by looking: see changes.c */
		if (RecoveryInProgress())
			timeout = Min(timeout, STANDBY_POLL_MS);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 timeout, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
