/*-------------------------------------------------------------------------
 *
 * privileges.c
 *		Who may read prices and who may refresh the index.
 *
 * The index is a copy of the source tables, so it must not become a way
 * around their privileges: reading prices requires SELECT on every source
 * table (the extension grants that to the role pricing_reader).  Refreshing
 * is for superusers, the extension's owner and members of pricing_admin.
 *
 * The read check runs on every call of cheapest() and quote(), which must
 * stay in the microseconds, so its verdict is cached per backend for the
 * current user and forgotten whenever pg_class (grants) or role membership
 * changes, through syscache invalidation callbacks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pricing.h"

static const char *const source_tables[] = {
	"hotel", "room", "rate", "discount", "fee"
};

static bool read_cache_valid = false;
static bool callbacks_registered = false;
static Oid	read_cache_user = InvalidOid;

static void
invalidate_read_cache(Datum arg, int cacheid, uint32 hashvalue)
{
	read_cache_valid = false;
}

/*
 * Error unless the current user may SELECT from every source table.
 */
void
pricing_check_read_privilege(void)
{
	Oid			user = GetUserId();
	Oid			nsp;

	if (read_cache_valid && read_cache_user == user)
		return;

	if (!callbacks_registered)
	{
		CacheRegisterSyscacheCallback(RELOID, invalidate_read_cache, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, invalidate_read_cache, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, invalidate_read_cache, (Datum) 0);
		callbacks_registered = true;
	}

	nsp = get_namespace_oid("pricing", true);
	for (int i = 0; i < lengthof(source_tables); i++)
	{
		Oid			rel = OidIsValid(nsp) ? get_relname_relid(source_tables[i], nsp) : InvalidOid;

		/*
		 * A source table that is gone (renamed, or dropped from the
		 * extension) makes the next refresh fail while the serving
		 * generation stays.  A superuser would pass any privilege check on
		 * it, so keeps reading; anyone else cannot show the privilege.
		 */
		if (!OidIsValid(rel) && superuser_arg(user))
			continue;
		if (!OidIsValid(rel))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"pricing.%s\" does not exist", source_tables[i]),
					 errhint("Run CREATE EXTENSION pricing in this database.")));
		if (pg_class_aclcheck(rel, user, ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to read prices"),
					 errdetail("Reading prices requires the SELECT privilege on table pricing.%s.",
							   source_tables[i]),
					 errhint("Grant role pricing_reader, or SELECT on the pricing source tables.")));
	}

	read_cache_user = user;
	read_cache_valid = true;
}

/*
 * Error unless the current user may refresh the index.
 */
void
pricing_check_refresh_privilege(void)
{
	Oid			ext;
	Oid			admin;

	if (superuser())
		return;
	ext = get_extension_oid("pricing", true);
	if (OidIsValid(ext) && pg_extension_ownercheck(ext, GetUserId()))
		return;
	admin = get_role_oid("pricing_admin", true);
	if (OidIsValid(admin) && has_privs_of_role(GetUserId(), admin))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to refresh the pricing index"),
			 errdetail("Only superusers, the owner of extension pricing and members of role pricing_admin may refresh it.")));
}
