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
#ifdef __GLIBC__
#include <malloc.h>
#endif
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
	REFRESH_NO_EXTENSION,		/* nothing to load: not a failure */
	REFRESH_NO_CHANGE,			/* the changes were already served */
	REFRESH_NEEDS_FULL			/* an incremental one found it must rebuild */
} RefreshOutcome;

/* what a refresh builds, and where */
typedef struct RefreshPlan
{
	uint64		gen;			/* the generation it makes */
	int			full_half;		/* where a full rebuild goes */
	int			inc_half;		/* the serving generation's half, when it may
								 * apply changes there; else -1 */
	uint64		start_seq;		/* the requests it covers */
} RefreshPlan;

/* the user and security context to go back to after reading as the owner */
typedef struct ReadingAs
{
	Oid			save_userid;
	int			save_sec_context;
} ReadingAs;

/* this process's generation contexts, by arena half, and their newest */
static MemoryContext half_cxt[2];
static uint64 half_gen[2];

/*
 * The chunks of each half that incremental refreshes replaced, each with
 * the first generation that does not reach it (incremental.c); freed once
 * no reader pins an older generation, or with the half.
 */
static PricingRetired *retired[2];
static int	nretired[2];
static int	maxretired[2];
static Size retired_bytes[2];	/* the arena bytes they hold */

/* after an incremental refresh failed: the next one rebuilds everything */
static bool force_full = false;

/*
 * What the main loop knows between iterations: what the serving generation
 * (or the last attempt) covered, and whether a refresh is owed.
 */
typedef struct WorkerLoop
{
	bool		owed;			/* a refresh is due and has not succeeded */
	bool		full_owed;		/* ... and changes alone cannot make it */
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
static bool incremental_possible(void);
static void wait_for_news(WorkerLoop *w);
static void trim_private_memory(bool now);
static void release_retired(void);
static RefreshOutcome refresh(MemoryContext worker_cxt, bool full);
static RefreshOutcome build_generation(MemoryContext worker_cxt,
									   const RefreshPlan *plan,
									   MemoryContext *cxt_out,
									   PricingIndex **index_out,
									   List **retired_out);
static PricingIndex *build_index(const RefreshPlan *plan, MemoryContext cxt,
								 List **retired_out, bool *needs_full);
static bool same_window(const PricingIndex *index);
static bool read_as_extension_owner(ReadingAs *as);
static void stop_reading_as_owner(ReadingAs *as);
static void refresh_failed(MemoryContext worker_cxt, MemoryContext cxt,
						   uint64 serving, uint64 start_seq);
static void publish(const RefreshPlan *plan, MemoryContext cxt,
					PricingIndex *index, List *retired_chunks);
static void retire_chunks(int half, uint64 gen, List *chunks);
static void free_retired(int half);
static void wait_for_retired(int half);
static void wait_for_readers(TimestampTz since, bool *warned,
							 const char *detail);
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
		w->owed = w->full_owed = true;
		w->retry_at = 0;
		w->failures = 0;
	}
	if (changes != w->seen_changes)
		w->owed = true;
	if (pricing_refresh_interval > 0 && GetCurrentTimestamp() >= next_interval(w))
		w->owed = w->full_owed = true;
	if (pricing_today(GetCurrentTimestamp()) != w->loaded_day || pricing_horizon_days != w->loaded_horizon)
		w->owed = w->full_owed = true;
	if (!w->owed && RecoveryInProgress() && standby_changes(&w->last_replay))
		w->owed = w->full_owed = true;

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
	return count != s->current->change_count;
}

/*
 * Attempt the refresh that is due, and settle what is owed by its outcome.
 */
static void
run_refresh(WorkerLoop *w, MemoryContext worker_cxt)
{
	RefreshOutcome outcome;
	bool		full = w->full_owed || force_full || !incremental_possible();

	note_attempt(w);
	set_worker_state(PRICING_WORKER_REFRESHING);
	MemoryContextSwitchTo(worker_cxt);
	outcome = refresh(worker_cxt, full);
	MemoryContextReset(worker_cxt);
	if (outcome == REFRESH_NEEDS_FULL)
	{
		/* the log asked for it: at once, in the other half */
		full = true;
		outcome = refresh(worker_cxt, true);
		MemoryContextReset(worker_cxt);
	}
	trim_private_memory(full);

	if (outcome == REFRESH_FAILED)
	{
		w->failures++;
		w->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												  backoff_ms(w->failures));
		return;
	}
	/* done, or nothing to do until CREATE EXTENSION commits */
	w->owed = w->full_owed = false;
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
	trim_private_memory(false);
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

/*
 * Give freed private memory back to the system: at once after a full
 * refresh (now), whose scratch holds the rows of every hotel and room, and
 * otherwise at most once a second, before the worker sleeps.  glibc keeps
 * what it may reuse, as much as fragmentation pins down, so the worker's
 * memory would otherwise rise and fall with the chance order of its
 * allocations.  The retired-chunk arrays, empty again, shrink too.
 */
static void
trim_private_memory(bool now)
{
	static TimestampTz trimmed_at = 0;
	TimestampTz t = GetCurrentTimestamp();

	if (!now && !TimestampDifferenceExceeds(trimmed_at, t, 1000))
		return;
	trimmed_at = t;
	for (int half = 0; half < 2; half++)
		if (nretired[half] == 0 && retired[half] != NULL)
		{
			pfree(retired[half]);
			retired[half] = NULL;
			maxretired[half] = 0;
		}
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/*
 * Whether the next refresh may apply changes to the serving generation:
 * this process built it (a restarted worker never touches the half it
 * did not allocate in), and this is a primary (a standby's tables change by
 * replay, which fires no trigger to log the changes).
 */
static bool
incremental_possible(void)
{
	PricingShared *s = pricing_shared;
	uint64		serving = pg_atomic_read_u64(&s->serving);
	int			half;

	if (serving == 0 || RecoveryInProgress())
		return false;
	LWLockAcquire(s->lock, LW_SHARED);
	half = s->serving_half;
	LWLockRelease(s->lock);
	return half_cxt[half] != NULL && half_gen[half] == serving;
}

/*
 * Retired memory goes as soon as its readers do: the half of a generation
 * a full rebuild replaced, and the chunks incremental refreshes replaced.
 */
static void
release_retired(void)
{
	uint64		serving = pg_atomic_read_u64(&pricing_shared->serving);

	if (serving == 0)
		return;
	for (int half = 0; half < 2; half++)
	{
		if (half_gen[half] != 0 && half_gen[half] != serving)
			release_half(half, half_gen[half], false);
		if (nretired[half] > 0)
			free_retired(half);
	}
}

/*
 * One refresh attempt.  A full one first makes room in the half the serving
 * generation does not use, builds there, publishes, and retires the other
 * half; an incremental one builds in the serving generation's half and
 * retires what it replaced.
 */
static RefreshOutcome
refresh(MemoryContext worker_cxt, bool full)
{
	PricingShared *s = pricing_shared;
	uint64		serving = pg_atomic_read_u64(&s->serving);
	RefreshPlan plan;
	MemoryContext cxt;
	PricingIndex *index;
	List	   *replaced = NIL;
	RefreshOutcome outcome;
	int			serving_half = -1;

	if (serving != 0)
	{
		LWLockAcquire(s->lock, LW_SHARED);
		serving_half = s->serving_half;
		LWLockRelease(s->lock);
	}
	plan.gen = serving + 1;
	plan.full_half = serving_half < 0 ? 0 : 1 - serving_half;
	plan.inc_half = full ? -1 : serving_half;

	/* the previous tenant of the other half must be gone before we build */
	if (full)
		release_half(plan.full_half, s->half_generation[plan.full_half], true);
	else
		wait_for_retired(plan.inc_half);

	/*
	 * Take the request number before the snapshot: every request up to it
	 * was made before the snapshot, so this attempt covers it.
	 */
	plan.start_seq = pg_atomic_read_u64(&s->request_seq);
	pg_memory_barrier();

	outcome = build_generation(worker_cxt, &plan, &cxt, &index, &replaced);
	if (outcome != REFRESH_OK)
		return outcome;

	publish(&plan, cxt, index, replaced);

	/* a full rebuild retires the whole other half: free it if unread */
	if (!index->incremental && serving != 0)
		release_half(serving_half, serving, false);
	return REFRESH_OK;
}

/*
 * Build the generation the plan says, reading the source tables in one
 * REPEATABLE READ transaction, and return it in *cxt and *index (and what
 * it replaced in *retired_out).  A failure or a missing extension is
 * reported here, to the log, pricing.status and whoever waits in
 * pricing.refresh(true); a failed full rebuild deletes its half-built
 * generation, and a failed incremental one makes the next refresh a full
 * one; the serving generation stays as it is.
 */
static RefreshOutcome
build_generation(MemoryContext worker_cxt, const RefreshPlan *plan,
				 MemoryContext *cxt_out, PricingIndex **index_out,
				 List **retired_out)
{
	volatile MemoryContext cxt = NULL;
	PricingIndex *volatile index = NULL;
	volatile bool installed = true;
	bool		needs_full = false;
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
		/* a primary's refresh deletes the change log rows it applies */
		XactReadOnly = RecoveryInProgress();

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
			if (plan->inc_half < 0)
				cxt = pricing_arena_context_create(TopMemoryContext,
												   plan->full_half, plan->gen);
			index = build_index(plan, cxt, retired_out, &needs_full);
			/* the list must outlive the transaction's memory */
			if (*retired_out != NIL)
			{
				MemoryContext oldcxt = MemoryContextSwitchTo(worker_cxt);

				*retired_out = list_copy(*retired_out);
				MemoryContextSwitchTo(oldcxt);
			}
			if (index != NULL)
			{
				index->generation = plan->gen;
				index->half = index->incremental ? plan->inc_half : plan->full_half;
				index->loaded_at = GetCurrentTimestamp();
				index->refresh_ms = (double) (index->loaded_at - start) / 1000.0;
				cxt = index->incremental ? half_cxt[plan->inc_half] : cxt;
			}
			stop_reading_as_owner(&as);
		}

		SPI_finish();
		PopActiveSnapshot();
		if (needs_full)
		{
			/* keep the log for the full rebuild that follows at once */
			AbortCurrentTransaction();
			outcome = REFRESH_NEEDS_FULL;
		}
		else
			CommitTransactionCommand();
		disable_timeout(STATEMENT_TIMEOUT, false);
	}
	PG_CATCH();
	{
		/*
		 * A full rebuild deletes its half-built generation.  What a failed
		 * incremental one allocated stays in the serving generation's half
		 * until that half is freed: the next refresh rebuilds in full.
		 */
		if (plan->inc_half >= 0)
			force_full = true;
		refresh_failed(worker_cxt, plan->inc_half < 0 ? cxt : NULL,
					   plan->gen - 1, plan->start_seq);
		cxt = NULL;
		index = NULL;
		outcome = REFRESH_FAILED;
	}
	PG_END_TRY();

	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(true);
	if (outcome == REFRESH_OK && !installed)
	{
		report_no_extension(plan->start_seq);
		outcome = REFRESH_NO_EXTENSION;
	}
	else if (outcome == REFRESH_OK && index == NULL)
	{
		/* every logged change was served already: nothing to publish */
		set_worker_state(PRICING_WORKER_IDLE);
		outcome = REFRESH_NO_CHANGE;
	}
	*cxt_out = cxt;
	*index_out = index;
	return outcome;
}

/*
 * Inside the refresh's transaction: take the change log, then apply it to
 * the serving generation when the plan allows and the log says which hotels
 * changed, or else build everything in cxt, in the plan's other half.
 * Returns NULL when there is nothing to do: no change logged for an
 * incremental refresh, or a full rebuild needed where the plan has no
 * context for one (*needs_full: the caller rolls back, keeping the log,
 * and rebuilds in full).
 */
static PricingIndex *
build_index(const RefreshPlan *plan, MemoryContext cxt, List **retired_out,
			bool *needs_full)
{
	int64	   *ids = NULL;
	int			nids = 0;
	bool		everything = true;

	/* a standby cannot write, and rebuilds in full (changes.c) */
	if (!RecoveryInProgress())
		ids = pricing_take_changes(&nids, &everything);

	if (plan->inc_half < 0)
		return pricing_load_index(cxt);

	if (everything || !same_window(pricing_shared->current))
	{
		*needs_full = true;
		return NULL;
	}
	if (nids == 0)
		return NULL;
	return pricing_apply_changes(half_cxt[plan->inc_half],
								 pricing_shared->current, ids, nids,
								 retired_out);
}

/*
 * Whether index's window is the one a full rebuild would load now: the same
 * first night (yesterday) and length.
 */
static bool
same_window(const PricingIndex *index)
{
	return index->first_date ==
		pricing_today(GetCurrentTransactionStartTimestamp()) - 1 &&
		index->ndays == pricing_horizon_days + 2 &&
		index->database == MyDatabaseId;
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
	Oid			owner = pricing_extension_owner(&nsp);

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
Oid
pricing_extension_owner(Oid *nsp)
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
 * Make the plan's generation the serving one: the index first, then the
 * number that leads to it, after a write barrier, so that a reader that
 * sees the number finds the index (reader.c).  An incremental generation
 * hands over what it replaced, to be freed once its readers are gone.
 */
static void
publish(const RefreshPlan *plan, MemoryContext cxt, PricingIndex *index,
		List *replaced)
{
	PricingShared *s = pricing_shared;
	int			half = index->half;
	uint64		gen = plan->gen;

	half_cxt[half] = cxt;
	half_gen[half] = gen;
	s->current = index;
	pg_write_barrier();
	pg_atomic_write_u64(&s->serving, gen);
	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->serving_half = half;
	if (index->incremental)
	{
		s->incremental_refreshes++;
		s->changes_applied += index->nchanged;
		s->last_change_ms = index->refresh_ms;
	}
	LWLockRelease(s->lock);

	if (index->incremental)
	{
		retire_chunks(half, gen, replaced);
		ereport(DEBUG1,
				(errmsg("pricing generation " UINT64_FORMAT " applied changes to %lld hotels in %.1f ms",
						gen, (long long) index->nchanged, index->refresh_ms)));
	}
	else
	{
		force_full = false;
		ereport(LOG,
				(errmsg("pricing generation " UINT64_FORMAT " loaded: %lld hotels, %lld rooms, %lld rates, %zu bytes in %.1f ms",
						gen, (long long) index->nhotels, (long long) index->nrooms,
						(long long) index->nrates, index->bytes, index->refresh_ms)));
	}
	set_half_status(half, gen, cxt);
	record_outcome(plan->start_seq, REFRESH_OK, NULL);
}

/*
 * Note the chunks generation gen no longer reaches, and free those no
 * reader can reach any more.
 */
static void
retire_chunks(int half, uint64 gen, List *chunks)
{
	ListCell   *lc;

	if (nretired[half] + list_length(chunks) > maxretired[half])
	{
		int			want = Max(1024, 2 * (nretired[half] + list_length(chunks)));

		retired[half] = retired[half] == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(PricingRetired) * want) :
			repalloc(retired[half], sizeof(PricingRetired) * want);
		maxretired[half] = want;
	}
	foreach(lc, chunks)
	{
		retired[half][nretired[half]].chunk = lfirst(lc);
		retired[half][nretired[half]++].generation = gen;
		retired_bytes[half] += GetMemoryChunkSpace(lfirst(lc));
	}
	free_retired(half);
}

/*
 * Free the retired chunks of a half that only generations older than any
 * reader's pin reach: a reader pinning g reads g or a newer generation
 * (reader.c), never one older than g.
 */
static void
free_retired(int half)
{
	uint64		oldest;
	int			kept = 0;

	pg_memory_barrier();
	oldest = pricing_oldest_pin();
	for (int i = 0; i < nretired[half]; i++)
	{
		if (retired[half][i].generation <= oldest)
		{
			retired_bytes[half] -= GetMemoryChunkSpace(retired[half][i].chunk);
			pfree(retired[half][i].chunk);
		}
		else
			retired[half][kept++] = retired[half][i];
	}
	if (kept != nretired[half])
	{
		nretired[half] = kept;
		set_half_status(half, half_gen[half], half_cxt[half]);
	}
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
 * Before an incremental refresh: while what earlier ones replaced, and a
 * reader still holds, is more than half of what the serving generation
 * itself uses, wait for the readers instead of adding more.  A reader that
 * never lets go then holds up changes, as it holds up full rebuilds, but
 * the arena stays under two generations' worth.
 */
static void
wait_for_retired(int half)
{
	TimestampTz since = GetCurrentTimestamp();
	bool		warned = false;

	for (;;)
	{
		Size		held;

		free_retired(half);
		held = half_cxt[half] ? pricing_arena_context_bytes(half_cxt[half]) : 0;
		if (retired_bytes[half] <= (held - retired_bytes[half]) / 2)
			return;
		wait_for_readers(since, &warned,
						 "Committed changes cannot be applied until it is released.");
	}
}

/*
 * One wait of PIN_POLL_MS for readers to let go (or for a wake-up), still
 * serving requests to shut down; once, after PIN_WARN_MS since "since",
 * say in the log who pins the oldest generation, with detail.
 */
static void
wait_for_readers(TimestampTz since, bool *warned, const char *detail)
{
	if (!*warned && TimestampDifferenceExceeds(since, GetCurrentTimestamp(), PIN_WARN_MS))
	{
		uint64		oldest = pricing_oldest_pin();
		int			pid;

		if (oldest != PG_UINT64_MAX && pricing_readers(oldest, &pid, 1) > 0)
			ereport(LOG,
					(errmsg("pricing generation " UINT64_FORMAT " is still pinned by the backend with PID %d",
							oldest, pid),
					 errdetail_internal("%s", detail)));
		*warned = true;
	}
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 PIN_POLL_MS, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	QueryCancelPending = false; /* nothing to cancel: see the main loop */
	CHECK_FOR_INTERRUPTS();
}

/*
 * Delete the context of a half whose newest generation gen is retired,
 * once nobody pins it or an older one.  With wait, sleep until then (still
 * serving requests to shut down); without, just look.  Returns true when
 * the half is free.
 */
static bool
release_half(int half, uint64 gen, bool wait)
{
	TimestampTz since = GetCurrentTimestamp();
	bool		warned = false;

	for (;;)
	{
		pg_memory_barrier();
		if (gen == 0 || pricing_oldest_pin() > gen)
			break;
		if (!wait)
			return false;
		wait_for_readers(since, &warned,
						 "The next generation cannot be built until it is released.");
	}

	if (half_cxt[half] != NULL && half_gen[half] == gen)
	{
		/* the retired chunks go with it */
		MemoryContextDelete(half_cxt[half]);
		half_cxt[half] = NULL;
		half_gen[half] = 0;
		nretired[half] = 0;
		retired_bytes[half] = 0;
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
	static TimestampTz counted_at[2];
	PricingShared *s = pricing_shared;
	Size		bytes = cxt ? pricing_arena_context_bytes(cxt) : 0;
	Size		committed = s->half_committed[half];
	TimestampTz now = GetCurrentTimestamp();

	/*
	 * mimalloc's count visits every page of the heap: after incremental
	 * refreshes, which come many a second, once a second is enough.
	 */
	if (cxt == NULL)
		committed = 0;
	else if (gen != s->half_generation[half] ||
			 TimestampDifferenceExceeds(counted_at[half], now, 1000))
	{
		committed = pricing_arena_context_committed(cxt);
		counted_at[half] = now;
	}

	LWLockAcquire(s->lock, LW_EXCLUSIVE);
	s->half_generation[half] = gen;
	s->half_bytes[half] = bytes;
	s->half_committed[half] = committed;
	LWLockRelease(s->lock);
}
