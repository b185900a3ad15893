#!/usr/bin/env bash
# test/run.sh: build the pricing extension and run every test.
#
#   sudo bash test/run.sh
#
# On Debian 12 with postgresql-15: installs what is missing of the build and
# test dependencies, builds and installs the extension (as root), then runs
# `make installcheck` (the pg_regress suites, the isolation specs, then the
# TAP tests) as the unprivileged postgres user in a copy of the tree, because
# PostgreSQL will not run as root.  Exits 0 only when everything passed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)

PG_BINDIR=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BINDIR/pg_config
RUN_AS=postgres
say() { printf '\n=== %s\n' "$*"; }
die() { printf 'test/run.sh: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "test/run.sh needs root to install packages and the extension: run it as 'sudo bash test/run.sh'" >&2
	exit 2
fi

[ -x "$PG_BINDIR/postgres" ] || die "PostgreSQL 15 is not installed ($PG_BINDIR/postgres is missing): apt-get install postgresql-15"
id -u "$RUN_AS" >/dev/null 2>&1 || die "there is no '$RUN_AS' user to run the tests as"

# --- dependencies, build and install (as root): test/setup.sh ---------------------
. test/setup.sh
pricing_install
command -v prove >/dev/null || die "prove (package perl) is missing"

# --- tests, as the postgres user in a copy of the tree --------------------------
WORK=$(mktemp -d /tmp/pricing-test.XXXXXX)
cleanup() {
	local rc=$?
	if [ "$rc" -eq 0 ] && [ -z "${PRICING_KEEP_TEST_DIR:-}" ]; then
		rm -rf "$WORK"
	else
		echo "test tree kept in $WORK"
	fi
}
trap cleanup EXIT

# everything but .git and build products
tar -C "$SRC" --exclude=./.git --exclude=./tmp_check --exclude=./results \
	--exclude=./tmp_check_iso --exclude=./output_iso \
	--exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$WORK" -xf -
chown -R "$RUN_AS": "$WORK"
chmod 755 "$WORK"

# PostgreSQL's test modules pick their own ports and sockets; don't let the
# caller's PG* settings point them elsewhere.
for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do
	case "$v" in PG_TEST_*) ;; *) unset "$v" ;; esac
done
export PG_TEST_TIMEOUT_DEFAULT=${PG_TEST_TIMEOUT_DEFAULT:-120}

say "make installcheck (pg_regress, isolation, then the TAP tests) as $RUN_AS in $WORK"
set +e
runuser -u "$RUN_AS" -- env HOME="$WORK" \
	make -s --no-print-directory -C "$WORK" PG_CONFIG="$PG_CONFIG" PROVE_FLAGS="--timer" installcheck 2>&1 |
	tee "$WORK/installcheck.out"
rc=${PIPESTATUS[0]}
set -e

if [ "$rc" -ne 0 ]; then
	# show_diffs diffs log: what a failed pg_regress run left, if it failed
	show_diffs() {
		[ -s "$WORK/$1" ] || return 0
		say "$1"
		cat "$WORK/$1"
		if [ -f "$WORK/$2" ]; then
			say "$2 (last 100 lines)"
			tail -n 100 "$WORK/$2"
		fi
	}
	# pg_regress or the isolation specs failed (then prove did not run)
	show_diffs regression.diffs tmp_check/log/postmaster.log
	show_diffs output_iso/regression.diffs output_iso/log/postmaster.log
	# TAP tests that failed: their test log and the server logs of their nodes
	failed=$(sed -n 's|^test/t/\([^ ]*\)\.pl  *(Wstat.*|\1|p' "$WORK/installcheck.out" | sort -u)
	for t in $failed; do
		for f in "$WORK/tmp_check/log/regress_log_$t" "$WORK/tmp_check/log/${t}"_*.log; do
			[ -f "$f" ] || continue
			say "${f#"$WORK"/} (last 150 lines)"
			tail -n 150 "$f"
		done
	done
	if [ -z "$failed" ] && [ ! -s "$WORK/regression.diffs" ] &&
		[ ! -s "$WORK/output_iso/regression.diffs" ] && [ -d "$WORK/tmp_check/log" ]; then
		for f in "$WORK"/tmp_check/log/*; do
			[ -f "$f" ] || continue
			say "${f#"$WORK"/} (last 50 lines)"
			tail -n 50 "$f"
		done
	fi
	say "FAILED (make installcheck exited with $rc)${failed:+; failed TAP tests: $(echo $failed)}"
	exit 1
fi

say "all tests passed"
exit 0
