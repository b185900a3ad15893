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
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "pricing.h"

PG_FUNCTION_INFO_V1(pricing_source_changed);

static bool change_pending = false;
static bool xact_callback_registered = false;

/* the (sub)transaction whose counter bump is already done */
static LocalTransactionId bumped_lxid = InvalidLocalTransactionId;
static SubTransactionId bumped_subxid = InvalidSubTransactionId;
static SPIPlanPtr bump_plan = NULL;

static Oid	check_trigger_table(Relation rel);
static void bump_change_counter(Oid counter_rel);
static void pricing_xact_callback(XactEvent event, void *arg);

/*
 * pricing.source_changed(), the trigger of the source tables: mark the
 * transaction, so that its commit wakes the worker, and bump the change
 * counter for the standbys.
 */
Datum
pricing_source_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			nsp;
	Oid			counter_rel;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pricing.source_changed() must be called as a trigger")));
	nsp = check_trigger_table(trigdata->tg_relation);

	if (!xact_callback_registered)
	{
		RegisterXactCallback(pricing_xact_callback, NULL);
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
 * Bump this backend's row of pricing.change_counter, as the table's owner:
 * writers of the source tables need no privilege on it, and the statement
 * is fixed.  It runs with rights the writer does not have, so nothing in it
 * may resolve through the writer's search_path: the operator is qualified,
 * and a new GUC nest level pins search_path to pg_catalog for the statement
 * (and for the plan cache, which replans under the path it was made with).
 */
static void
bump_change_counter(Oid counter_rel)
{
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	HeapTuple	tup;
	Datum		args[2];

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(counter_rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", counter_rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	args[0] = Int64GetDatum((int64) GetSystemIdentifier());
	args[1] = Int32GetDatum(MyBackendId);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	PG_TRY();
	{
		Oid			argtypes[2] = {INT8OID, INT4OID};

		(void) set_config_option("search_path", PRICING_SAFE_SEARCH_PATH,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (bump_plan == NULL)
		{
			SPIPlanPtr	plan;

			plan = SPI_prepare("INSERT INTO pricing.change_counter AS c (node, backend, changes)"
							   " VALUES ($1, $2, 1) ON CONFLICT (node, backend)"
							   " DO UPDATE SET changes = c.changes OPERATOR(pg_catalog.+) 1",
							   2, argtypes);
			if (plan == NULL || SPI_keepplan(plan) != 0)
				elog(ERROR, "could not prepare the change counter statement: %s",
					 SPI_result_code_string(SPI_result));
			bump_plan = plan;
		}
		if (SPI_execute_plan(bump_plan, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not bump the pricing change counter");
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
