/*-------------------------------------------------------------------------
 *
 * privileges.c
 *		Who may read prices and who may refresh the index.
 *
 * The index is a copy of the source tables, so it must not become a way
 * around their privileges: reading prices requires SELECT on every source
 * table (the extension grants that to the role pricing_reader), and is
 * refused to a caller whom a row-level security policy on a source table
 * would show fewer rows than the index holds.  Refreshing is for
 * superusers, the extension's owner and members of pricing_admin.
 *
 * What pricing.status and pricing.generations show follows
 * pg_stat_statements: the details of other sessions (process IDs) and of
 * the data (the last refresh error, which may quote rows) only to
 * superusers, members of pg_read_all_stats and of pricing_admin, and the
 * extension's owner; the description of the index only to them and to
 * those who may read prices from it, in its own database.
 *
 * The read check runs on every call of cheapest() and quote(), which must
 * stay in the microseconds, so its verdict is cached per backend for the
 * current user and forgotten whenever pg_class (grants) or role membership
 * changes, through syscache invalidation callbacks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "pricing.h"

/*
 * The source tables: those of version 1.0, then those 1.1 adds, which an
 * installation of 1.0 does not have yet.
 */
static const char *const source_tables[] = {
	"hotel", "room", "rate", "discount", "fee",
	"rate_plan", "occupancy", "exchange_rate"
};
#define SOURCE_TABLES_V10	5

static void invalidate_read_cache(Datum arg, int cacheid, uint32 hashvalue);
static bool may_read_prices(Oid user, bool raise);
static bool administers_pricing(Oid user);
static bool sees_every_database(Oid user);

static bool read_cache_valid = false;
static bool callbacks_registered = false;
static Oid	read_cache_user = InvalidOid;

static void
invalidate_read_cache(Datum arg, int cacheid, uint32 hashvalue)
{
	read_cache_valid = false;
}

/*
 * Whether name is one of the source tables of schema pricing.
 */
bool
pricing_is_source_table(const char *name)
{
	for (int i = 0; i < lengthof(source_tables); i++)
		if (strcmp(name, source_tables[i]) == 0)
			return true;
	return false;
}

/*
 * Error unless the current user may SELECT from every source table and no
 * row-level security policy on one applies to it.  A policy filters what
 * the user's own queries see; the index holds every row, so answering from
 * it would show the user rows the policy hides.  Refuse, as a query would
 * that could not apply the policy (row_security = off does the same).
 */
void
pricing_check_read_privilege(void)
{
	Oid			user = GetUserId();

	if (read_cache_valid && read_cache_user == user)
		return;

	if (!callbacks_registered)
	{
		CacheRegisterSyscacheCallback(RELOID, invalidate_read_cache, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, invalidate_read_cache, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, invalidate_read_cache, (Datum) 0);
		callbacks_registered = true;
	}

	/*
	 * Valid before the check, so that an invalidation processed during it
	 * (a catalog miss accepts them) leaves the cache invalid; an error
	 * leaves it invalid too.
	 */
	read_cache_user = user;
	read_cache_valid = true;
	PG_TRY();
	{
		(void) may_read_prices(user, true);
	}
	PG_CATCH();
	{
		read_cache_valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/*
 * Whether user may read prices; with raise, error instead of returning
 * false.
 */
static bool
may_read_prices(Oid user, bool raise)
{
	Oid			nsp = get_namespace_oid("pricing", true);

	for (int i = 0; i < lengthof(source_tables); i++)
	{
		Oid			rel = OidIsValid(nsp) ? get_relname_relid(source_tables[i], nsp) : InvalidOid;

		/* an installation of 1.0, not updated yet */
		if (!OidIsValid(rel) && i >= SOURCE_TABLES_V10)
			continue;

		/*
		 * A source table that is gone (renamed, or dropped from the
		 * extension) makes the next refresh fail while the serving
		 * generation stays.  A superuser would pass any privilege check on
		 * it, so keeps reading; anyone else cannot show the privilege.
		 */
		if (!OidIsValid(rel) && superuser_arg(user))
			continue;
		if (!OidIsValid(rel))
		{
			if (!raise)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"pricing.%s\" does not exist", source_tables[i]),
					 errhint("Run CREATE EXTENSION pricing in this database.")));
		}
		if (pg_class_aclcheck(rel, user, ACL_SELECT) != ACLCHECK_OK)
		{
			if (!raise)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to read prices"),
					 errdetail("Reading prices requires the SELECT privilege on table pricing.%s.",
							   source_tables[i]),
					 errhint("Grant role pricing_reader, or SELECT on the pricing source tables.")));
		}
		if (check_enable_rls(rel, user, true) == RLS_ENABLED)
		{
			if (!raise)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to read prices: row-level security applies to table pricing.%s",
							source_tables[i]),
					 errdetail("The pricing index holds every row of the source tables, so it cannot answer a role to which a row security policy applies."),
					 errhint("Query the tables themselves, or exempt the role from row security on pricing.%s (BYPASSRLS, or row security disabled on the table).",
							 source_tables[i])));
		}
	}
	return true;
}

/*
 * Error unless the current user may refresh the index.
 */
void
pricing_check_refresh_privilege(void)
{
	if (administers_pricing(GetUserId()))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to refresh the pricing index"),
			 errdetail("Only superusers, the owner of extension pricing and members of role pricing_admin may refresh it.")));
}

/*
 * Whether user administers the extension in this database: a superuser, the
 * extension's owner or a member of pricing_admin.  They may refresh, and
 * see everything pricing.status shows of this database's index.
 */
static bool
administers_pricing(Oid user)
{
	Oid			ext;
	Oid			admin;

	if (superuser_arg(user))
		return true;
	ext = get_extension_oid("pricing", true);
	if (OidIsValid(ext) && pg_extension_ownercheck(ext, user))
		return true;
	admin = get_role_oid("pricing_admin", true);
	return OidIsValid(admin) && has_privs_of_role(user, admin);
}

/*
 * Whether user may see every database's statistics, as pg_stat_statements
 * shows them: superusers and members of pg_read_all_stats.
 */
static bool
sees_every_database(Oid user)
{
	return superuser_arg(user) || has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
}

/*
 * What the current user may see of the index: PRICING_SEE_ALL,
 * PRICING_SEE_INDEX (its description, not who reads it nor why a refresh
 * failed) when it may read prices from it, else PRICING_SEE_NOTHING.
 */
PricingVisibility
pricing_visibility(Oid index_database)
{
	Oid			user = GetUserId();

	/*
	 * Another database's index: pricing_admin is cluster-wide and the owner
	 * is this database's, so only those who may see every database's
	 * statistics see it.
	 */
	if (index_database != MyDatabaseId)
		return sees_every_database(user) ? PRICING_SEE_ALL : PRICING_SEE_NOTHING;
	if (sees_every_database(user) || administers_pricing(user))
		return PRICING_SEE_ALL;
	return may_read_prices(user, false) ? PRICING_SEE_INDEX : PRICING_SEE_NOTHING;
}

/*
 * Error unless each source table is an ordinary table of the extension's
 * schema owned by the extension's owner.  The refresh worker reads them
 * with the owner's rights: a table another role owns could hand those
 * rights to that role's code (a column altered to its own type, with its
 * own cast), and a schema "pricing" other than the extension's would be
 * read in its place.  Called by the worker before it reads.
 */
void
pricing_check_source_tables(Oid owner, Oid ext_nsp)
{
	Oid			nsp = get_namespace_oid("pricing", true);

	if (nsp != ext_nsp)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("schema \"pricing\" is not the schema of extension \"pricing\""),
				 errhint("Rename the schemas back: the refresh reads the extension's own tables only.")));

	for (int i = 0; i < lengthof(source_tables); i++)
	{
		Oid			rel = get_relname_relid(source_tables[i], nsp);
		HeapTuple	tup;
		Form_pg_class form;
		bool		ok;

		if (!OidIsValid(rel))
			continue;			/* the load reports a missing table */
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", rel);
		form = (Form_pg_class) GETSTRUCT(tup);
		ok = form->relowner == owner && form->relkind == RELKIND_RELATION;
		ReleaseSysCache(tup);
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("table pricing.%s is not an ordinary table owned by the owner of extension \"pricing\"",
							source_tables[i]),
					 errdetail("The refresh reads the source tables with their owner's rights, the extension owner's."),
					 errhint("Give the table back: ALTER TABLE pricing.%s OWNER TO %s.",
							 source_tables[i], quote_identifier(GetUserNameFromId(owner, false)))));
	}
}
