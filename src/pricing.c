/*-------------------------------------------------------------------------
 *
 * pricing.c
 *		Module entry point: configuration, shared memory hooks and the
 *		registration of the refresh worker.
 *
 * Everything here runs in the postmaster while shared_preload_libraries is
 * processed.  The postmaster only reserves memory and registers the worker;
 * it never touches mimalloc (doc/design.md, "One owner").
 *
 * When the library is loaded any other way (a backend calling one of its
 * functions without preloading), the reloadable settings are still defined
 * so that they are validated, but nothing is reserved; the SQL functions
 * then fail with a hint to preload the library.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/guc.h"

#include "pricing.h"

PG_MODULE_MAGIC;

char	   *pricing_database = NULL;
int			pricing_shared_memory_mb = 256;
int			pricing_refresh_interval = 60;
int			pricing_horizon_days = 400;
int			pricing_max_nights = 30;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);

static void pricing_shmem_request_hook(void);
static void pricing_shmem_startup_hook(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("pricing.refresh_interval",
							"Time between time-based refreshes of the index.",
							"0 turns time-based refreshes off; committed changes and pricing.refresh() still refresh.",
							&pricing_refresh_interval,
							60,
							0,
							INT_MAX / 1000,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pricing.horizon_days",
							"Number of days ahead whose nights the index holds.",
							"The index holds nights from yesterday up to this many days ahead.",
							&pricing_horizon_days,
							400,
							1,
							3650,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pricing.max_nights",
							"Longest stay a query may ask for, in nights.",
							NULL,
							&pricing_max_nights,
							30,
							1,
							PRICING_MAX_NIGHTS_LIMIT,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	/*
	 * Settings that only the postmaster can take, and everything that needs
	 * it, exist only when the library is preloaded: PostgreSQL refuses to
	 * create PGC_POSTMASTER settings later.  For the same reason the prefix
	 * is reserved only then; otherwise it would discard those settings of
	 * postgresql.conf with a warning in every backend that loads us.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomStringVariable("pricing.database",
							   "Database whose pricing schema the refresh worker loads.",
							   NULL,
							   &pricing_database,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("pricing.shared_memory",
							"Size of the shared arena that holds the index generations.",
							"Each generation may use half of it: one half serves while the other is rebuilt.",
							&pricing_shared_memory_mb,
							256,
							64,
							INT_MAX / 2,
							PGC_POSTMASTER,
							GUC_UNIT_MB,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("pricing");

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pricing_shmem_request_hook;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pricing_shmem_startup_hook;

	pricing_register_worker();
}

static void
pricing_shmem_request_hook(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	pricing_shmem_request();
}

static void
pricing_shmem_startup_hook(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	pricing_shmem_startup();
}
