/*-------------------------------------------------------------------------
 *
 * changes.c
 *		How the refresh worker learns of committed changes to the source
 *		tables, on a primary and on a hot standby.
 *
 * On a primary, a statement-level trigger on every source table marks the
 * transaction (on a logical replica, whose apply workers fire row triggers
 * only, a row-level trigger enabled for replica sessions does), and a
 * commit callback wakes the worker once the transaction has committed and
 * is visible; a refresh it triggers therefore sees the change.  Aborted
 * transactions wake nobody, and a transaction that changed the tables
 * cannot be prepared for two-phase commit (see below).
 *
 * The same trigger, fired for each row, also logs which hotels changed into
 * pricing.change_log, once per hotel and transaction (a hash table of the
 * hotels logged so far lives in the transaction's memory), so that the
 * worker can rebuild just those (incremental.c).  The log rows commit with
 * the change or roll back with it, and the worker reads and deletes them in
 * the snapshot it reads the tables with: whatever it applies is exactly
 * what that snapshot's committed transactions changed, and a change
 * committed later stays logged for the next refresh, even across a crash
 * of the worker.  A row with a NULL hotel_id asks for a full rebuild:
 * TRUNCATE, exchange rates (which reach every hotel's converted prices) and
 * a transaction that changes more than PRICING_MAX_CHANGES hotels, whose
 * log would cost more than the rebuild it saves.
 *
 * Triggers do not fire on a hot standby, where the same rows arrive by WAL
 * replay.  So the trigger also bumps this backend's row of the table
 * pricing.change_counter, once per (sub)transaction: the bump commits, and
 * replays, together with the change itself.  A standby's worker watches the
 * counter's sum whenever replay has advanced and refreshes when it differs
 * from the sum its serving generation saw in its own snapshot.  Rows are
 * keyed by BackendId, so concurrent writers never touch the same row and
 * never wait for each other; the table has at most one row per backend slot
 * and server (a logical replica that receives this table from a publication
 * FOR ALL TABLES keeps its own rows apart from the publisher's).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "lib/qunique.h"
#include "common/hashfn.h"

#include "pricing.h"

PG_FUNCTION_INFO_V1(pricing_source_changed);

static bool change_pending = false;
static bool xact_callback_registered = false;

/* the (sub)transaction whose counter bump is already done */
static LocalTransactionId bumped_lxid = InvalidLocalTransactionId;
static SubTransactionId bumped_subxid = InvalidSubTransactionId;
static SPIPlanPtr bump_plan = NULL;

/* the hotels this transaction has logged, by hotel_id (simplehash) */
typedef struct LoggedHotel
{
	int64		hotel_id;
	char		status;
} LoggedHotel;

#define SH_PREFIX		logged
#define SH_ELEMENT_TYPE LoggedHotel
#define SH_KEY_TYPE		int64
#define SH_KEY			hotel_id
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key) ^ (uint32) ((uint64) (key) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

static logged_hash *logged_hotels = NULL;	/* in TopTransactionContext */
static LocalTransactionId logged_lxid = InvalidLocalTransactionId;
static bool logged_everything = false;
static Oid	logged_rel = InvalidOid;	/* pricing.change_log, if any */
static SPIPlanPtr log_plan = NULL;

/*
 * The table the row trigger last fired on in this transaction, once
 * checked: a row trigger fires for every row of a bulk load, and the
 * catalog lookups of the check, of the hotel_id column and of the log
 * table need doing once per table and transaction, not per row.
 */
typedef struct CheckedTable
{
	LocalTransactionId lxid;
	Oid			relid;
	Oid			nsp;			/* the extension's schema */
	AttrNumber	hotel_att;		/* its hotel_id column (int8), or 0 */
	bool		exchange_rate;	/* pricing.exchange_rate */
} CheckedTable;

static CheckedTable checked = {InvalidLocalTransactionId, InvalidOid};

static Oid	check_trigger_table(Relation rel);
static const CheckedTable *checked_table(Relation rel);
static void bump_change_counter(Oid counter_rel);
static void log_row_change(TriggerData *trigdata, const CheckedTable *t);
static void log_hotel(const CheckedTable *t, HeapTuple tuple, TupleDesc desc);
static void log_change(Oid nsp, bool everything, int64 hotel_id);
static void forget_logged(void);
static void run_as_owner(Oid rel, SPIPlanPtr *plan, const char *sql,
						 int nargs, Oid *argtypes, Datum *args,
						 const char *nulls, int expected);
static void pricing_xact_callback(XactEvent event, void *arg);
static void pricing_subxact_callback(SubXactEvent event,
									 SubTransactionId mySubid,
									 SubTransactionId parentSubid, void *arg);

/*
 * pricing.source_changed(), the trigger of the source tables: mark the
 * transaction, so that its commit wakes the worker, and bump the change
 * counter for the standbys.
 */
Datum
pricing_source_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const CheckedTable *t;
	Oid			nsp;
	Oid			counter_rel;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pricing.source_changed() must be called as a trigger")));
	t = checked_table(trigdata->tg_relation);
	nsp = t->nsp;

	if (!xact_callback_registered)
	{
		RegisterXactCallback(pricing_xact_callback, NULL);
		RegisterSubXactCallback(pricing_subxact_callback, NULL);
		xact_callback_registered = true;
	}
	change_pending = true;

	/* once per (sub)transaction is enough for the standbys */
	if (MyProc->lxid != bumped_lxid || GetCurrentSubTransactionId() != bumped_subxid)
	{
		/* the extension's own counter, in the schema checked above */
		counter_rel = get_relname_relid("change_counter", nsp);
		if (OidIsValid(counter_rel))
			bump_change_counter(counter_rel);
		bumped_lxid = MyProc->lxid;
		bumped_subxid = GetCurrentSubTransactionId();
	}

	/* what changed, for the worker's incremental refresh */
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		log_row_change(trigdata, t);
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		log_change(nsp, true, 0);

	/* AFTER triggers, statement or row: the result is ignored */
	return PointerGetDatum(NULL);
}

/*
 * Error unless the trigger fires on one of the extension's source tables;
 * returns the extension's schema.
 * Only the extension's owner can attach the trigger function to a table
 * (EXECUTE on it is revoked from PUBLIC), but a function attached elsewhere
 * would let writes to an arbitrary table start rebuilds; so refuse.
 */
static Oid
check_trigger_table(Relation rel)
{
	Oid			nsp = get_namespace_oid("pricing", true);

	if (!OidIsValid(nsp) || RelationGetNamespace(rel) != nsp ||
		!pricing_is_source_table(RelationGetRelationName(rel)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pricing.source_changed() may only fire on the pricing source tables"),
				 errdetail("It fired on table \"%s.%s\".",
						   get_namespace_name(RelationGetNamespace(rel)),
						   RelationGetRelationName(rel))));
	return nsp;
}

/*
 * check_trigger_table(), and what the row trigger needs of the table, done
 * once per table and transaction (see CheckedTable).
 */
static const CheckedTable *
checked_table(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			attno;

	if (checked.lxid == MyProc->lxid && checked.relid == RelationGetRelid(rel) &&
		checked.nsp == RelationGetNamespace(rel))
		return &checked;

	checked.lxid = InvalidLocalTransactionId;
	checked.nsp = check_trigger_table(rel);
	checked.relid = RelationGetRelid(rel);
	checked.exchange_rate = strcmp(RelationGetRelationName(rel), "exchange_rate") == 0;
	attno = SPI_fnumber(desc, "hotel_id");
	checked.hotel_att = attno > 0 && TupleDescAttr(desc, attno - 1)->atttypid == INT8OID ?
		attno : 0;
	checked.lxid = MyProc->lxid;
	return &checked;
}

/*
 * Bump this backend's row of pricing.change_counter: writers of the source
 * tables need no privilege on it, so it runs as the table's owner.
 */
static void
bump_change_counter(Oid counter_rel)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		args[2];

	args[0] = Int64GetDatum((int64) GetSystemIdentifier());
	args[1] = Int32GetDatum(MyBackendId);
	run_as_owner(counter_rel, &bump_plan,
				 "INSERT INTO pricing.change_counter AS c (node, backend, changes)"
				 " VALUES ($1, $2, 1) ON CONFLICT (node, backend)"
				 " DO UPDATE SET changes = c.changes OPERATOR(pg_catalog.+) 1",
				 2, argtypes, args, NULL, SPI_OK_INSERT);
}

/*
 * Log the hotel of the row the trigger fired for (both hotels, when an
 * update moved the row to another), or a full rebuild for an exchange rate.
 */
static void
log_row_change(TriggerData *trigdata, const CheckedTable *t)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);

	if (t->exchange_rate)
	{
		log_change(t->nsp, true, 0);
		return;
	}
	log_hotel(t, trigdata->tg_trigtuple, desc);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		log_hotel(t, trigdata->tg_newtuple, desc);
}

static void
log_hotel(const CheckedTable *t, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull = true;
	Datum		d = 0;

	if (t->hotel_att > 0)
		d = heap_getattr(tuple, t->hotel_att, desc, &isnull);
	/* a row the index cannot place (the loader says why): rebuild it all */
	log_change(t->nsp, isnull, isnull ? 0 : DatumGetInt64(d));
}

/*
 * Log one changed hotel, or everything, unless this transaction has already
 * logged it (or everything).  Past PRICING_MAX_CHANGES hotels, log
 * everything instead.
 */
static void
log_change(Oid nsp, bool everything, int64 hotel_id)
{
	Oid			log_rel;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	bool		found = false;

	if (MyProc->lxid != logged_lxid)
	{
		/* a new transaction: the last one's table went with its memory */
		logged_hotels = NULL;
		logged_everything = false;
		/* an installation before 1.2 has no log: it rebuilds on every change */
		logged_rel = get_relname_relid("change_log", nsp);
		logged_lxid = MyProc->lxid;
	}
	if (logged_everything || !OidIsValid(logged_rel))
		return;
	log_rel = logged_rel;

	if (!everything)
	{
		if (logged_hotels == NULL)
			logged_hotels = logged_create(TopTransactionContext, 64, NULL);
		if (logged_hotels->members >= PRICING_MAX_CHANGES)
			everything = true;
		else
		{
			(void) logged_insert(logged_hotels, hotel_id, &found);
			if (found)
				return;
		}
	}

	args[0] = Int64GetDatum(hotel_id);
	run_as_owner(log_rel, &log_plan,
				 "INSERT INTO pricing.change_log (hotel_id) VALUES ($1)",
				 1, argtypes, args, everything ? "n" : " ", SPI_OK_INSERT);
	if (everything)
		logged_everything = true;
}

/*
 * A subtransaction that aborts takes its log rows with it: forget what this
 * transaction logged, so that later changes log their hotels again (a hotel
 * logged twice costs nothing).
 */
static void
forget_logged(void)
{
	logged_hotels = NULL;		/* freed with the transaction's memory */
	logged_everything = false;
}

/*
 * Run one fixed statement as the owner of rel, its plan kept in *plan.  It runs
 * with rights the writer does not have, so nothing in it may resolve
 * through the writer's search_path: operators are qualified, and a new GUC
 * nest level pins search_path to pg_catalog for the statement (and for the
 * plan cache, which replans under the path it was made with).
 */
static void
run_as_owner(Oid rel, SPIPlanPtr *plan, const char *sql, int nargs,
			 Oid *argtypes, Datum *args, const char *nulls, int expected)
{
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	HeapTuple	tup;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	PG_TRY();
	{
		(void) set_config_option("search_path", PRICING_SAFE_SEARCH_PATH,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute_plan(pricing_kept_plan(plan, sql, nargs, argtypes, 0),
							 args, nulls, false, 0) != expected)
			elog(ERROR, "could not run \"%s\"", sql);
		SPI_finish();
	}
	PG_FINALLY();
	{
		AtEOXact_GUC(false, save_nestlevel);
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

/*
 * Wake the worker when a transaction that changed the source tables has
 * committed: only then does a refresh see the change.
 */
static void
pricing_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (change_pending && pricing_shared != NULL)
			{
				pg_atomic_fetch_add_u64(&pricing_shared->change_seq, 1);
				pricing_wake_worker();
			}
			change_pending = false;
			break;
		case XACT_EVENT_PRE_PREPARE:

			/*
			 * A prepared transaction commits later, in whatever session runs
			 * COMMIT PREPARED, where no callback of ours knows it changed
			 * the tables; and it would keep its backend's counter row locked
			 * until then, blocking the next session that gets the same
			 * BackendId.  Refuse, as PostgreSQL refuses to prepare a
			 * transaction that ran NOTIFY.
			 */
			if (change_pending)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has changed pricing source tables"),
						 errhint("Commit changes to the pricing tables directly; the refresh worker learns of them at commit.")));
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			change_pending = false;
			break;
		default:
			break;
	}
}

static void
pricing_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget_logged();
}

/*
 * The sum of pricing.change_counter in the current snapshot; SPI must be
 * connected.  Used by the worker on a standby, and recorded with every
 * generation.
 */
int64
pricing_change_count(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute("SELECT coalesce(sum(changes), 0)::int8 FROM pricing.change_counter",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read pricing.change_counter");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	SPI_freetuptable(SPI_tuptable);
	return DatumGetInt64(d);
}

/*
 * The hotels logged as changed in the current snapshot, deleting their log
 * rows (the worker's refresh commits the deletion with the generation it
 * builds, or rolls it back with a failure); sorted, each once.  Sets
 * *everything when the log asks for a full rebuild, holds more than
 * PRICING_MAX_CHANGES hotels, or does not exist.  SPI must be connected.
 */
int64 *
pricing_take_changes(int *nchanges, bool *everything)
{
	int64	   *ids;
	int			n = 0;

	*nchanges = 0;
	*everything = false;
	if (!OidIsValid(get_relname_relid("change_log", get_namespace_oid("pricing", false))))
	{
		*everything = true;
		return NULL;
	}
	if (SPI_execute("DELETE FROM pricing.change_log RETURNING hotel_id",
					false, 0) != SPI_OK_DELETE_RETURNING)
		elog(ERROR, "could not read pricing.change_log");
	ids = palloc(sizeof(int64) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
									  1, &isnull);

		if (isnull)
			*everything = true;
		else
			ids[n++] = DatumGetInt64(d);
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(ids, n, sizeof(int64), pricing_int64_cmp);
	*nchanges = (int) qunique(ids, n, sizeof(int64), pricing_int64_cmp);
	if (*nchanges > PRICING_MAX_CHANGES)
		*everything = true;
	return ids;
}

/* qsort comparator of int64s */
int
pricing_int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}
