# Makefile for the pricing extension (PGXS)
#
#   make && make install        build and install into the server's tree
#   make installcheck           pg_regress suites on a temporary instance,
#                               then the TAP tests (run as a non-root user)
#   bash test/run.sh            what CI runs: dependencies, build, all tests

MODULE_big = pricing
OBJS = \
	src/arena.o \
	src/booking.o \
	src/calendar.o \
	src/bounds.o \
	src/changes.o \
	src/incremental.o \
	src/index.o \
	src/load.o \
	src/price.o \
	src/privileges.o \
	src/reader.o \
	src/shmem.o \
	src/scan.o \
	src/functions.o \
	src/queries.o \
	src/worker.o \
	src/pricing.o

EXTENSION = pricing pricing_proxy
DATA = sql/pricing--1.0.sql sql/pricing--1.0--1.1.sql sql/pricing--1.1--1.2.sql \
	sql/pricing_proxy--1.0.sql sql/pricing_proxy--1.0--1.1.sql sql/pricing_proxy--1.1--1.2.sql
PGFILEDESC = "pricing - hotel pricing engine in shared memory"

SHLIB_LINK = -lmimalloc -Wl,-Bsymbolic-functions

REGRESS = setup arithmetic cheapest quote errors security differential bounds extremes \
	offers offers_differential bounds11 calendar booking
REGRESS_OPTS = --temp-instance=tmp_check --temp-config=$(srcdir)/test/pricing.conf

# pg_isolation_regress runs specs/*.spec in the database isolation_regression,
# so its instance gets test/pricing_isolation.conf on top of test/pricing.conf.
ISOLATION = refresh_sees_commits whole_generation refresh_waits_for_itself
ISOLATION_OPTS = --temp-instance=tmp_check_iso --temp-config=$(srcdir)/test/pricing.conf \
	--temp-config=$(srcdir)/test/pricing_isolation.conf

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every source file includes the shared header
$(OBJS): src/pricing.h

EXTRA_CLEAN = tmp_check results regression.diffs regression.out log

# the benchmark suite (test/bench): as root, like test/run.sh
bench:
	bash test/bench/run.sh
.PHONY: bench

# the memory pictures (test/memory-plot.sh), as root, like test/run.sh:
#   doc/memory.png: PLOT_REFRESHES full refreshes under read load (numbers in
#     doc/memory.csv);
#   doc/memory-incremental.png: PLOT_UPDATES single-hotel updates applied
#     incrementally (test/t/045_incremental_memory.pl; doc/memory-incremental.csv).
# PLOT=refreshes or PLOT=incremental draws only that one.
PLOT_REFRESHES ?= 1000
PLOT_UPDATES ?= 100000
PLOT ?= refreshes incremental
plot:
	PLOT="$(PLOT)" PLOT_UPDATES="$(PLOT_UPDATES)" bash test/memory-plot.sh $(PLOT_REFRESHES)
.PHONY: plot

# the figures of the README's "Scaling out" section, into doc/scaleout.md
# (as root, like test/run.sh: installs, then starts throwaway servers)
scaleout:
	bash test/bench/scaleout.sh
.PHONY: scaleout
