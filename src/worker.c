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
 * A refresh that fails (a lock it cannot get, a timeout, a cancel, a row
 * that breaks a constraint) leaves the change it was for owed: the worker
 * tries again after a backoff that doubles from RETRY_MIN_MS to
 * RETRY_MAX_MS, and at once (the backoff starting over) when a refresh
 * is requested.  Before CREATE EXTENSION pricing, it waits quietly.
 *
 * The worker never answers queries, and it runs no SQL but its own fixed
 * queries over the source tables.  It connects as the bootstrap superuser
 * (it must connect before the extension exists), and reads the tables as
 * their owner, the extension's owner, in a security-restricted operation
 * with search_path pinned to the system's schema: as PostgreSQL's own
 * maintenance commands (REFRESH MATERIALIZED VIEW, VACUUM) run as the table
 * owner.  Row security does not apply to an owner, so policies never thin
 * out the index; readers subject to one are refused (privileges.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
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
#include "utils/fmgroids.h"
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
/*
 * The backoff after failures in a row, of a refresh or of connecting to
 * pricing.database: RETRY_MIN_MS, doubling, at most RETRY_MAX_MS.
 */
#define RETRY_MIN_MS			1000
#define RETRY_MAX_MS			60000

typedef enum RefreshOutcome
{
	REFRESH_OK,
	REFRESH_FAILED,
	REFRESH_NO_EXTENSION		/* nothing to load: not a failure */
} RefreshOutcome;

/* the user and security context to go back to after reading as the owner */
typedef struct ReadingAs
{
	Oid			save_userid;
	int			save_sec_context;
} ReadingAs;

/* this process's generation contexts, by arena half */
static MemoryContext half_cxt[2];
static uint64 half_gen[2];

/*
 * What the main loop knows between iterations: what the serving generation
 * (or the last attempt) covered, and whether a refresh is owed.
 */
typedef struct WorkerLoop
{
	bool		owed;			/* a refresh is due and has not succeeded */
	uint64		seen_changes;	/* change_seq the last attempt covered */
	TimestampTz last_attempt;
	TimestampTz retry_at;		/* after a failure: not before then, or 0 */
	int			failures;		/* failed attempts in a row */
	DateADT		loaded_day;
	int			loaded_horizon;
	XLogRecPtr	last_replay;	/* on a standby: replay the counter covered */
} WorkerLoop;

static long backoff_ms(int failures);
static TimestampTz next_interval(WorkerLoop *w);
static void connect_to_database(void);
static void lower_priority(void);
static void announce_worker(void);
static void worker_exit(int code, Datum arg);
static void note_attempt(WorkerLoop *w);
static bool refresh_due(WorkerLoop *w);
static bool standby_changes(XLogRecPtr *last_replay);
static void run_refresh(WorkerLoop *w, MemoryContext worker_cxt);
static void wait_for_news(WorkerLoop *w);
static void release_retired(void);
static RefreshOutcome refresh(MemoryContext worker_cxt);
static RefreshOutcome build_generation(MemoryContext worker_cxt, uint64 gen,
									   uint64 start_seq,
									   MemoryContext *cxt_out,
									   PricingIndex **index_out);
static bool read_as_extension_owner(ReadingAs *as);
static void stop_reading_as_owner(ReadingAs *as);
static Oid	extension_owner(Oid *nsp);
static void refresh_failed(MemoryContext worker_cxt, MemoryContext cxt,
						   uint64 serving, uint64 start_seq);
static void publish(uint64 gen, MemoryContext cxt, PricingIndex *index,
					uint64 start_seq);
static void report_no_extension(uint64 start_seq);
static void record_outcome(uint64 start_seq, RefreshOutcome outcome,
						   ErrorData *edata);
static void set_worker_state(PricingWorkerState state);
static bool release_half(int half, uint64 gen, bool wait);
static void set_half_status(int half, uint64 gen, MemoryContext cxt);

/*
 * Register the refresh worker, from _PG_init in the postmaster.  It starts
 * once the server is consistent, so on a hot standby too, and restarts a
 * second after it exits.
 */
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

/*
 * The worker's entry point: connect, step below the backends' priority, pin
 * search_path, then refresh whenever a refresh is due and sleep otherwise.
 */
void
pricing_worker_main(Datum main_arg)
{
	MemoryContext worker_cxt;
	WorkerLoop	w;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	if (pricing_shared == NULL)
		elog(ERROR, "pricing shared memory is not initialized");

	connect_to_database();
	pgstat_report_appname("pricing refresh worker");

	lower_priority();

	/*
	 * The worker connects as a superuser and reads as the extension's owner.
	 * Its queries must resolve to the system's operators and functions
	 * only, never to objects that whoever may create them in a schema on
	 * the configured search_path put there (an operator numeric * integer in
	 * public would otherwise be chosen over the built-in numeric * numeric
	 * and run with the worker's rights).  Nothing later can override this:
	 * not postgresql.conf on reload, nor settings of the database or role.
	 */
	SetConfigOption("search_path", PRICING_SAFE_SEARCH_PATH, PGC_SUSET, PGC_S_OVERRIDE);

	announce_worker();

	worker_cxt = AllocSetContextCreate(TopMemoryContext, "pricing refresh worker",
									   ALLOCSET_DEFAULT_SIZES);

	memset(&w, 0, sizeof(w));
	note_attempt(&w);			/* the interval and the day count from now */
	w.owed = true;				/* load at start */
	w.last_replay = InvalidXLogRecPtr;

	for (;;)
	{
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
		}

		release_retired();

		if (refresh_due(&w))
			run_refresh(&w, worker_cxt);
		else
			wait_for_news(&w);
	}
}

/*
 * Connect to pricing.database.  A missing database ends the worker with
 * FATAL and the postmaster starts it again a second later; each start in a
 * row that did not connect waits longer first (backoff_ms), so that a
 * wrong setting does not fill the log.
 */
static void
connect_to_database(void)
{
	PricingShared *s = pricing_shared;
	int			failures;

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	failures = s->connect_failures++;
	LWLockRelease(s->lock);

	if (failures > 0)
	{
		long		delay = backoff_ms(failures);
		TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);

		ereport(LOG,
				(errmsg("pricing refresh worker waits %ld ms before connecting to database \"%s\" again",
						delay, pricing_database),
				 errhint("Check that the database named by pricing.database exists.")));
		/* a latch set by a signal wakes it early: sleep what is left */
		while ((delay = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until)) > 0)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 delay, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}

	BackgroundWorkerInitializeConnection(pricing_database, NULL, 0);

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->connect_failures = 0;
	LWLockRelease(s->lock);
}

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

/*
 * Say in shared memory which process is the worker: for pricing.status, and
 * for those who wake it.  worker_exit() takes it back.
 */
static void
announce_worker(void)
{
	PricingShared *s = pricing_shared;

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->worker_pid = MyProcPid;
	s->worker_latch = MyLatch;
	s->worker_state = PRICING_WORKER_STARTING;
	LWLockRelease(s->lock);
	before_shmem_exit(worker_exit, (Datum) 0);
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
 * Note what an attempt starting now covers, read before its snapshot: the
 * changes committed so far, the interval from now, today and the horizon.
 */
static void
note_attempt(WorkerLoop *w)
{
	w->seen_changes = pg_atomic_read_u64(&pricing_shared->change_seq);
	w->last_attempt = GetCurrentTimestamp();
	w->loaded_day = pricing_today(w->last_attempt);
	w->loaded_horizon = pricing_horizon_days;
}

/*
 * Whether a refresh is due now: a committed change, a request, the
 * interval, the change of day or of horizon, or replay on a standby; or an
 * owed one whose backoff has run out.
 */
static bool
refresh_due(WorkerLoop *w)
{
	PricingShared *s = pricing_shared;
	uint64		changes = pg_atomic_read_u64(&s->change_seq);
	uint64		requested = pg_atomic_read_u64(&s->request_seq);
	uint64		done;

	LWLockAcquire(s->lock, LW_SHARED);
	done = s->done_seq;
	LWLockRelease(s->lock);

	/*
	 * A request is someone asking now: no backoff for it, and the backoff
	 * starts over.  A change is owed too, but after a failure it waits for
	 * the retry, so that a stream of changes does not make a refresh that
	 * keeps failing run (and log) once per commit.
	 */
	if (requested > done)
	{
		w->owed = true;
		w->retry_at = 0;
		w->failures = 0;
	}
	if (changes != w->seen_changes)
		w->owed = true;
	if (pricing_refresh_interval > 0 && GetCurrentTimestamp() >= next_interval(w))
		w->owed = true;
	if (pricing_today(GetCurrentTimestamp()) != w->loaded_day || pricing_horizon_days != w->loaded_horizon)
		w->owed = true;
	if (!w->owed && RecoveryInProgress() && standby_changes(&w->last_replay))
		w->owed = true;

	return w->owed && (w->retry_at == 0 || GetCurrentTimestamp() >= w->retry_at);
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
	ReadingAs	as;
	int64		count = 0;
	bool		ok = true;

	if (replay == *last_replay)
		return false;

	/*
	 * Nothing loaded yet (no extension when the worker last looked): any
	 * replay may have brought CREATE EXTENSION, so look again.
	 */
	if (serving == 0)
	{
		*last_replay = replay;
		return true;
	}

	PG_TRY();
	{
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		if (read_as_extension_owner(&as))
		{
			count = pricing_change_count();
			stop_reading_as_owner(&as);
		}
		else
			ok = false;
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* the next look tries again; a refresh would report the cause */
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		AbortCurrentTransaction();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	pgstat_report_stat(false);

	/*
	 * Only a counter actually read consumes the replay position: after a
	 * failed read the next look reads again.
	 */
	if (!ok)
		return false;
	*last_replay = replay;
	return count != s->gens[serving % 2]->change_count;
}

/*
 * Attempt the refresh that is due, and settle what is owed by its outcome.
 */
static void
run_refresh(WorkerLoop *w, MemoryContext worker_cxt)
{
	RefreshOutcome outcome;

	note_attempt(w);
	set_worker_state(PRICING_WORKER_REFRESHING);
	MemoryContextSwitchTo(worker_cxt);
	outcome = refresh(worker_cxt);
	MemoryContextReset(worker_cxt);

	if (outcome == REFRESH_FAILED)
	{
		w->failures++;
		w->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												  backoff_ms(w->failures));
		return;
	}
	/* done, or nothing to do until CREATE EXTENSION commits */
	w->owed = false;
	w->retry_at = 0;
	w->failures = 0;
}

/* when pricing.refresh_interval (on) makes the next refresh due */
static TimestampTz
next_interval(WorkerLoop *w)
{
	return TimestampTzPlusMilliseconds(w->last_attempt, pricing_refresh_interval * 1000);
}

/*
 * The wait after failures (>= 1) in a row: RETRY_MIN_MS, then twice as
 * long each time, at most RETRY_MAX_MS.
 */
static long
backoff_ms(int failures)
{
	return Min((long) RETRY_MIN_MS << Min(failures - 1, 10), RETRY_MAX_MS);
}

/*
 * Sleep until something happens: at most until the next interval, the
 * retry of a failed refresh, or a standby's next look at replay.
 */
static void
wait_for_news(WorkerLoop *w)
{
	long		timeout = 60000;
	TimestampTz now = GetCurrentTimestamp();

	/* after a failure only the retry is due; else the next interval */
	if (w->owed && w->retry_at != 0)
		timeout = Min(timeout, TimestampDifferenceMilliseconds(now, w->retry_at) + 1);
	else if (pricing_refresh_interval > 0)
		timeout = Min(timeout, TimestampDifferenceMilliseconds(now, next_interval(w)) + 1);
	/* a standby learns of changes by looking: see changes.c */
	if (RecoveryInProgress())
		timeout = Min(timeout, STANDBY_POLL_MS);
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

/*
 * A retired generation goes as soon as its readers do: free it if nobody
 * pins it any more.
 */
static void
release_retired(void)
{
	uint64		serving = pg_atomic_read_u64(&pricing_shared->serving);

	if (serving != 0)
		release_half(1 - serving % 2, serving - 1, false);
}

/*
 * One refresh attempt: make room in the half the new generation goes to,
 * build the generation, publish it, and retire the one it replaces.
 */
static RefreshOutcome
refresh(MemoryContext worker_cxt)
{
	PricingShared *s = pricing_shared;
	uint64		serving = pg_atomic_read_u64(&s->serving);
	uint64		gen = serving + 1;
	uint64		start_seq;
	MemoryContext cxt;
	PricingIndex *index;
	RefreshOutcome outcome;

	/* the previous tenant of this half must be gone before we build there */
	release_half(gen % 2, gen >= 2 ? gen - 2 : 0, true);

	/*
	 * Take the request number before the snapshot: every request up to it
	 * was made before the snapshot, so this attempt covers it.
	 */
	start_seq = pg_atomic_read_u64(&s->request_seq);
	pg_memory_barrier();

	outcome = build_generation(worker_cxt, gen, start_seq, &cxt, &index);
	if (outcome != REFRESH_OK)
		return outcome;

	publish(gen, cxt, index, start_seq);

	/* retire: free the previous generation now if nobody reads it */
	if (serving != 0)
		release_half(serving % 2, serving, false);
	return REFRESH_OK;
}

/*
 * Build generation gen in its half of the arena, reading the source tables
 * in one read-only REPEATABLE READ transaction, and return it in *cxt and
 * *index.  A failure or a missing extension is reported here, to the log,
 * pricing.status and whoever waits in pricing.refresh(true); a failure
 * deletes the half-built generation and leaves the serving one as it is.
 */
static RefreshOutcome
build_generation(MemoryContext worker_cxt, uint64 gen, uint64 start_seq,
				 MemoryContext *cxt_out, PricingIndex **index_out)
{
	volatile MemoryContext cxt = NULL;
	PricingIndex *volatile index = NULL;
	volatile bool installed = true;
	ReadingAs	as;
	TimestampTz start;
	RefreshOutcome outcome = REFRESH_OK;

	start = GetCurrentTimestamp();
	pgstat_report_activity(STATE_RUNNING, "refreshing the pricing index");

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		XactIsoLevel = XACT_REPEATABLE_READ;
		XactReadOnly = true;

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

		installed = read_as_extension_owner(&as);
		if (installed)
		{
			cxt = pricing_arena_context_create(TopMemoryContext, gen % 2, gen);
			index = pricing_load_index(cxt);
			index->generation = gen;
			index->loaded_at = GetCurrentTimestamp();
			index->refresh_ms = (double) (index->loaded_at - start) / 1000.0;
			stop_reading_as_owner(&as);
		}

		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		disable_timeout(STATEMENT_TIMEOUT, false);
	}
	PG_CATCH();
	{
		refresh_failed(worker_cxt, cxt, gen - 1, start_seq);
		cxt = NULL;
		index = NULL;
		outcome = REFRESH_FAILED;
	}
	PG_END_TRY();

	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(true);
	if (outcome == REFRESH_OK && !installed)
	{
		report_no_extension(start_seq);
		outcome = REFRESH_NO_EXTENSION;
	}
	*cxt_out = cxt;
	*index_out = index;
	return outcome;
}

/*
 * Start reading as the extension's owner, who owns the source tables, as
 * PostgreSQL's maintenance commands run as the table's owner, in a
 * security-restricted operation.  NOFORCE_RLS: as for PostgreSQL's
 * referential integrity checks, even a table forced to apply row security
 * to its owner is read whole.  First make sure the tables are the
 * extension's (privileges.c), so that the owner's rights never reach a
 * table someone else controls.  Returns false when the extension is not
 * installed.  The caller goes back with stop_reading_as_owner before it
 * commits (a commit keeps the user it finds); an abort restores it.
 */
static bool
read_as_extension_owner(ReadingAs *as)
{
	Oid			nsp;
	Oid			owner = extension_owner(&nsp);

	if (!OidIsValid(owner))
		return false;
	pricing_check_source_tables(owner, nsp);
	GetUserIdAndSecContext(&as->save_userid, &as->save_sec_context);
	SetUserIdAndSecContext(owner, as->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);
	return true;
}

static void
stop_reading_as_owner(ReadingAs *as)
{
	SetUserIdAndSecContext(as->save_userid, as->save_sec_context);
}

/*
 * The owner of extension pricing in this database, and in *nsp its schema;
 * InvalidOid when it is not installed.
 */
static Oid
extension_owner(Oid *nsp)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	*nsp = InvalidOid;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("pricing"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
		*nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * In the error handler of a refresh: end its transaction, delete the
 * half-built generation (in cxt, unless NULL), and report the error to the
 * log, pricing.status and whoever waits in pricing.refresh(true).
 */
static void
refresh_failed(MemoryContext worker_cxt, MemoryContext cxt, uint64 serving,
			   uint64 start_seq)
{
	ErrorData  *edata;

	disable_timeout(STATEMENT_TIMEOUT, false);

	MemoryContextSwitchTo(worker_cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortCurrentTransaction();
	if (cxt != NULL)
	{
		/* an allocation ran out of arena: say so, not just "out of memory" */
		pricing_arena_explain_error(cxt, edata);
		MemoryContextDelete(cxt);
	}

	ereport(LOG,
			(errmsg("pricing refresh failed: %s", edata->message),
			 edata->detail ? errdetail_internal("%s", edata->detail) : 0,
			 serving != 0 ?
			 errhint("Generation " UINT64_FORMAT " keeps serving.", serving) :
			 errhint("No generation has been loaded yet.")));
	record_outcome(start_seq, REFRESH_FAILED, edata);
	FreeErrorData(edata);
}

/*
 * Make generation gen the serving one: the index first, then the number
 * that leads to it, after a write barrier, so that a reader that sees the
 * number finds the index (reader.c).
 */
static void
publish(uint64 gen, MemoryContext cxt, PricingIndex *index, uint64 start_seq)
{
	PricingShared *s = pricing_shared;
	int			half = gen % 2;

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
	record_outcome(start_seq, REFRESH_OK, NULL);
}

/*
 * The extension is not installed in pricing.database: the normal state of
 * a new server.  Say so once in the log, and tell whoever waits in
 * pricing.refresh(true), but count no failure.
 */
static void
report_no_extension(uint64 start_seq)
{
	static bool said = false;
	ErrorData	edata;
	char		message[NAMEDATALEN + 64];

	if (!said)
		ereport(LOG,
				(errmsg("pricing refresh worker waits for CREATE EXTENSION pricing in database \"%s\"",
						pricing_database)));
	said = true;

	memset(&edata, 0, sizeof(edata));
	edata.sqlerrcode = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
	snprintf(message, sizeof(message), "extension \"pricing\" is not installed in database \"%s\"",
			 pricing_database);
	edata.message = message;
	record_outcome(start_seq, REFRESH_NO_EXTENSION, &edata);
}

/*
 * Report an attempt to pricing.status and to whoever waits for it in
 * pricing.refresh(true).  A missing extension is no failed refresh: the
 * waiters learn of it, the counters do not.
 */
static void
record_outcome(uint64 start_seq, RefreshOutcome outcome, ErrorData *edata)
{
	PricingShared *s = pricing_shared;

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->done_seq = Max(s->done_seq, start_seq);
	if (outcome == REFRESH_OK)
	{
		s->ok_seq = Max(s->ok_seq, start_seq);
		s->refreshes++;
		s->last_error[0] = '\0';
		s->last_errcode = 0;
		s->worker_state = PRICING_WORKER_IDLE;
	}
	else
	{
		if (outcome == REFRESH_FAILED)
		{
			s->failed_refreshes++;
			s->worker_state = PRICING_WORKER_RETRY;
		}
		else
			s->worker_state = PRICING_WORKER_NO_EXTENSION;
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

static void
set_worker_state(PricingWorkerState state)
{
	LWLockAcquire(pricing_shared->lock, LW_EXCLUSIVE);
	pricing_shared->worker_state = state;
	LWLockRelease(pricing_shared->lock);
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
		if (gen == 0 || pricing_readers(gen, &pid, 1) == 0)
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
