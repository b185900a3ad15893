/*-------------------------------------------------------------------------
 *
 * functions.c
 *		The SQL functions that run the index: refresh, status and
 *		generations.
 *
 * The functions that answer from the index (cheapest, quote, search,
 * offers, explain) are in queries.c; these are the ones that ask the
 * worker for a refresh and describe what is loaded, to whom may see it
 * (privileges.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "pricing.h"

PG_FUNCTION_INFO_V1(pricing_refresh);
PG_FUNCTION_INFO_V1(pricing_status);
PG_FUNCTION_INFO_V1(pricing_generations);

/* how long pricing.refresh(true) waits for a worker that is not running */
#define WORKER_ABSENT_TIMEOUT_MS	10000
/* how often pricing.refresh(true) looks whether the worker waits for it */
#define REFRESH_POLL_MS				200

/*
 * The columns of pricing.status and of pricing.generations, in the order of
 * their OUT parameters, and their counts, which the functions check their
 * result's row type against.
 */
typedef enum StatusColumn
{
	STATUS_GENERATION,
	STATUS_LOADED_AT,
	STATUS_REFRESH_MS,
	STATUS_HOTELS,
	STATUS_ROOMS,
	STATUS_RATES,
	STATUS_ARENA_BYTES_USED,
	STATUS_ARENA_BYTES_TOTAL,
	STATUS_FIRST_DATE,
	STATUS_LAST_DATE,
	STATUS_LAST_ERROR,
	STATUS_WORKER_PID,
	STATUS_DATABASE,
	STATUS_GENERATIONS,
	STATUS_READERS,
	STATUS_REFRESHES,
	STATUS_FAILED_REFRESHES,
	STATUS_ARENA_BYTES_COMMITTED,
	STATUS_WORKER_STATE,
	STATUS_COLS_11,				/* the columns of versions 1.0, 1.1 end here */
	STATUS_INCREMENTAL_REFRESHES = STATUS_COLS_11,
	STATUS_CHANGES_APPLIED,
	STATUS_LAST_CHANGE_MS,
	STATUS_LAST_REFRESH,
	STATUS_COLS
} StatusColumn;

typedef enum GenerationsColumn
{
	GENERATIONS_GENERATION,
	GENERATIONS_STATE,
	GENERATIONS_ARENA_HALF,
	GENERATIONS_BYTES_USED,
	GENERATIONS_BYTES_COMMITTED,
	GENERATIONS_READERS,
	GENERATIONS_READER_PIDS,
	GENERATIONS_COLS
} GenerationsColumn;

static bool worker_waits_for_me(int worker_pid);
static PricingVisibility visibility_of(const PricingIndex *index);
static const char *worker_state_name(PricingWorkerState state);
static inline void set_column(Datum *values, bool *nulls, int column,
							  Datum value);
static Datum int4_array(const int *ints, int n);

/*
 * Set up the tuplestore of a materialized SRF.  When called in FROM, the
 * executor already knows the result's row type: using it spares
 * get_call_result_type() rebuilding it from the catalogs on every call.
 */
void
pricing_init_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo,
						rsinfo && rsinfo->expectedDesc ? MAT_SRF_USE_EXPECTED_DESC : 0);
}

/*
 * pricing.refresh(wait)
 *
 * A request is a number.  The worker reads the latest request number before
 * it takes its snapshot, and reports it as done (and whether it succeeded)
 * after the attempt; so once a request is done, the attempt that covered it
 * saw every change committed before the request was made.
 */
Datum
pricing_refresh(PG_FUNCTION_ARGS)
{
	bool		wait = PG_GETARG_BOOL(0);
	PricingShared *s = pricing_get_shared();
	uint64		req;
	TimestampTz absent_since = 0;
	bool		ok;
	int			errcode_saved = 0;
	char		errmsg_saved[PRICING_ERROR_LEN];

	pricing_check_refresh_privilege();

	req = pg_atomic_add_fetch_u64(&s->request_seq, 1);
	pricing_wake_worker();
	if (!wait)
		PG_RETURN_INT64((int64) pg_atomic_read_u64(&s->serving));

	ConditionVariablePrepareToSleep(&s->refresh_cv);
	for (;;)
	{
		bool		done;
		int			worker_pid;

		LWLockAcquire(s->lock, LW_SHARED);
		done = s->done_seq >= req;
		ok = s->ok_seq >= req;
		worker_pid = s->worker_pid;
		if (done && !ok)
		{
			errcode_saved = s->last_errcode;
			strlcpy(errmsg_saved, s->last_error, sizeof(errmsg_saved));
		}
		LWLockRelease(s->lock);

		if (done)
			break;

		if (worker_pid != 0)
			absent_since = 0;
		else if (absent_since == 0)
			absent_since = GetCurrentTimestamp();
		else if (TimestampDifferenceExceeds(absent_since, GetCurrentTimestamp(),
											WORKER_ABSENT_TIMEOUT_MS))
		{
			ConditionVariableCancelSleep();
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("pricing refresh worker is not running"),
					 errhint("Check the server log; the worker connects to the database named by pricing.database (\"%s\").",
							 pricing_database)));
		}
		if (worker_pid != 0 && worker_waits_for_me(worker_pid))
		{
			ConditionVariableCancelSleep();
			ereport(ERROR,
					(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
					 errmsg("pricing.refresh(true) would wait for its own transaction"),
					 errdetail("The refresh worker (PID %d) waits for a lock that this transaction holds, or that a session waiting for this transaction has asked for first.",
							   worker_pid),
					 errhint("Call pricing.refresh() after the transaction ends, or pricing.refresh(false) inside it.")));
		}
		ConditionVariableTimedSleep(&s->refresh_cv, REFRESH_POLL_MS, PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();

	if (!ok)
		ereport(ERROR,
				(errcode(errcode_saved ? errcode_saved : ERRCODE_INTERNAL_ERROR),
				 errmsg("pricing refresh failed: %s", errmsg_saved),
				 errhint("The previous generation of the index keeps serving.")));

	PG_RETURN_INT64((int64) pg_atomic_read_u64(&s->serving));
}

/*
 * Whether the worker waits, directly or through other sessions, for a lock
 * this backend holds or is queued before: then waiting for the refresh
 * would never end, and no deadlock detector would see it, since the wait
 * for the worker is on a condition variable.  The sessions that block a
 * process are those pg_blocking_pids() reports; follow them from the worker.
 */
static bool
worker_waits_for_me(int worker_pid)
{
	List	   *todo;
	List	   *seen = NIL;
	bool		found = false;
	PGPROC	   *proc = BackendPidGetProc(worker_pid);

	/*
	 * Only a worker waiting for a heavyweight lock can be waiting for us;
	 * looking at its PGPROC without a lock is only a hint, and the next
	 * poll looks again, so the full walk (which takes every lock partition)
	 * is spent only on a worker that waits.
	 */
	if (proc == NULL || proc->waitLock == NULL)
		return false;
	todo = list_make1_int(worker_pid);

	while (todo != NIL && !found && list_length(seen) < 1000)
	{
		int			pid = linitial_int(todo);
		ArrayType  *blockers;
		Datum	   *elems;
		int			nelems;

		todo = list_delete_first(todo);
		if (list_member_int(seen, pid))
			continue;
		seen = lappend_int(seen, pid);

		blockers = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids,
														  Int32GetDatum(pid)));
		deconstruct_array(blockers, INT4OID, 4, true, TYPALIGN_INT,
						  &elems, NULL, &nelems);
		for (int i = 0; i < nelems; i++)
		{
			if (DatumGetInt32(elems[i]) == MyProcPid)
				found = true;
			todo = lappend_int(todo, DatumGetInt32(elems[i]));
		}
		/* the caller polls for as long as a refresh takes: keep nothing */
		pfree(elems);
		pfree(blockers);
	}
	list_free(todo);
	list_free(seen);
	return found;
}

/*
 * pricing.status(): one row describing the index now serving, as much of
 * it as the caller may see (privileges.c).
 */
Datum
pricing_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingShared *s = pricing_get_shared();
	const PricingIndex *index;
	PricingVisibility vis;
	Datum		values[STATUS_COLS];
	bool		nulls[STATUS_COLS];
	int			readers;

	pricing_init_srf(fcinfo);
	/* an installation of 1.0 or 1.1 has fewer columns; the rest go unused */
	Assert(rsinfo->setDesc->natts == STATUS_COLS ||
		   rsinfo->setDesc->natts == STATUS_COLS_11);
	for (int i = 0; i < STATUS_COLS; i++)
		nulls[i] = true;

	readers = pricing_readers(0, NULL, s->nslots);

	index = pricing_pin(true);
	PG_TRY();
	{
		vis = visibility_of(index);
		if (index != NULL && vis != PRICING_SEE_NOTHING)
		{
			set_column(values, nulls, STATUS_GENERATION,
					   Int64GetDatum((int64) index->generation));
			set_column(values, nulls, STATUS_LOADED_AT,
					   TimestampTzGetDatum(index->loaded_at));
			set_column(values, nulls, STATUS_REFRESH_MS,
					   Float8GetDatum(index->refresh_ms));
			set_column(values, nulls, STATUS_HOTELS, Int64GetDatum(index->nhotels));
			set_column(values, nulls, STATUS_ROOMS, Int64GetDatum(index->nrooms));
			set_column(values, nulls, STATUS_RATES, Int64GetDatum(index->nrates));
			set_column(values, nulls, STATUS_LAST_REFRESH,
					   CStringGetTextDatum(index->incremental ? "incremental" : "full"));
			set_column(values, nulls, STATUS_FIRST_DATE,
					   DateADTGetDatum(index->first_date));
			set_column(values, nulls, STATUS_LAST_DATE,
					   DateADTGetDatum(index->first_date + index->ndays - 1));
		}
	}
	PG_FINALLY();
	{
		if (index != NULL)
			pricing_unpin();
	}
	PG_END_TRY();

	LWLockAcquire(s->lock, LW_SHARED);
	set_column(values, nulls, STATUS_ARENA_BYTES_TOTAL,
			   Int64GetDatum((int64) (2 * s->half_size)));
	set_column(values, nulls, STATUS_DATABASE,
			   DirectFunctionCall1(namein, CStringGetDatum(pricing_database)));
	if (vis != PRICING_SEE_NOTHING)
	{
		set_column(values, nulls, STATUS_ARENA_BYTES_USED,
				   Int64GetDatum((int64) (s->half_bytes[0] + s->half_bytes[1])));
		set_column(values, nulls, STATUS_GENERATIONS,
				   Int32GetDatum((s->half_generation[0] != 0) +
								 (s->half_generation[1] != 0)));
		set_column(values, nulls, STATUS_READERS, Int32GetDatum(readers));
		set_column(values, nulls, STATUS_REFRESHES,
				   Int64GetDatum((int64) s->refreshes));
		set_column(values, nulls, STATUS_FAILED_REFRESHES,
				   Int64GetDatum((int64) s->failed_refreshes));
		set_column(values, nulls, STATUS_ARENA_BYTES_COMMITTED,
				   Int64GetDatum((int64) (s->half_committed[0] + s->half_committed[1])));
		set_column(values, nulls, STATUS_INCREMENTAL_REFRESHES,
				   Int64GetDatum((int64) s->incremental_refreshes));
		set_column(values, nulls, STATUS_CHANGES_APPLIED,
				   Int64GetDatum((int64) s->changes_applied));
		if (s->incremental_refreshes > 0)
			set_column(values, nulls, STATUS_LAST_CHANGE_MS,
					   Float8GetDatum(s->last_change_ms));
	}
	/* the error may quote rows; like another role's query text */
	if (s->last_error[0] != '\0')
		set_column(values, nulls, STATUS_LAST_ERROR,
				   CStringGetTextDatum(vis == PRICING_SEE_ALL ? s->last_error :
									   "<insufficient privilege>"));
	set_column(values, nulls, STATUS_WORKER_STATE,
			   CStringGetTextDatum(s->worker_pid != 0 ?
								   worker_state_name(s->worker_state) :
								   "not running"));
	if (s->worker_pid != 0 && vis == PRICING_SEE_ALL)
		set_column(values, nulls, STATUS_WORKER_PID, Int32GetDatum(s->worker_pid));
	LWLockRelease(s->lock);

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	PG_RETURN_VOID();
}

/*
 * pricing.generations(): one row per live generation, with who pins it.
 */
Datum
pricing_generations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingShared *s = pricing_get_shared();
	uint64		serving = pg_atomic_read_u64(&s->serving);
	const PricingIndex *index;
	PricingVisibility vis;

	pricing_init_srf(fcinfo);
	Assert(rsinfo->setDesc->natts == GENERATIONS_COLS);

	index = pricing_pin(true);
	PG_TRY();
	{
		vis = visibility_of(index);
	}
	PG_FINALLY();
	{
		if (index != NULL)
			pricing_unpin();
	}
	PG_END_TRY();
	if (vis == PRICING_SEE_NOTHING)
		PG_RETURN_VOID();

	for (int half = 0; half < 2; half++)
	{
		Datum		values[GENERATIONS_COLS];
		bool		nulls[GENERATIONS_COLS] = {0};
		uint64		gen;
		Size		bytes;
		Size		committed;
		int		   *pids = palloc(sizeof(int) * s->nslots);
		int			npids;

		LWLockAcquire(s->lock, LW_SHARED);
		gen = s->half_generation[half];
		bytes = s->half_bytes[half];
		committed = s->half_committed[half];
		LWLockRelease(s->lock);
		if (gen == 0)
			continue;

		npids = pricing_readers(gen, pids, s->nslots);

		values[GENERATIONS_GENERATION] = Int64GetDatum((int64) gen);
		values[GENERATIONS_STATE] = CStringGetTextDatum(gen == serving ? "serving" : "retired");
		values[GENERATIONS_ARENA_HALF] = Int32GetDatum(half);
		values[GENERATIONS_BYTES_USED] = Int64GetDatum((int64) bytes);
		values[GENERATIONS_BYTES_COMMITTED] = Int64GetDatum((int64) committed);
		values[GENERATIONS_READERS] = Int32GetDatum(npids);
		if (vis == PRICING_SEE_ALL)
			values[GENERATIONS_READER_PIDS] = int4_array(pids, npids);
		else
			nulls[GENERATIONS_READER_PIDS] = true;	/* other sessions' process IDs */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/*
 * What the caller may see of the index (privileges.c): that of the pinned
 * index's database, or, before any index is loaded, of the database it
 * will be loaded from.
 */
static PricingVisibility
visibility_of(const PricingIndex *index)
{
	return pricing_visibility(index != NULL ? index->database :
							  get_database_oid(pricing_database, true));
}

static const char *
worker_state_name(PricingWorkerState state)
{
	switch (state)
	{
		case PRICING_WORKER_STARTING:
			return "starting";
		case PRICING_WORKER_NO_EXTENSION:
			return "waiting for CREATE EXTENSION pricing";
		case PRICING_WORKER_IDLE:
			return "idle";
		case PRICING_WORKER_REFRESHING:
			return "refreshing";
		case PRICING_WORKER_RETRY:
			return "waiting to retry a failed refresh";
	}
	return "unknown";
}

/* set a column of a result row, which is then not NULL */
static inline void
set_column(Datum *values, bool *nulls, int column, Datum value)
{
	values[column] = value;
	nulls[column] = false;
}

/* an int[] of the given ints */
static Datum
int4_array(const int *ints, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = Int32GetDatum(ints[i]);
	return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT));
}

/*
 * The plan of one of the extension's fixed statements, prepared on first
 * use and kept in *plan for the backend's life: the plan cache replans it
 * when a table it reads changes.  SPI must be connected.
 */
SPIPlanPtr
pricing_kept_plan(SPIPlanPtr *plan, const char *sql, int nargs,
				  Oid *argtypes, int cursor_options)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, argtypes, cursor_options);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		*plan = p;
	}
	return *plan;
}
