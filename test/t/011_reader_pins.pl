# Reader pins under abuse (doc/design.md, "Pins").
#
# A backend pins the serving generation only inside one call of
# pricing.cheapest or pricing.quote.  Queries cancelled (pg_cancel_backend,
# statement_timeout), backends terminated mid-query and queries that raise
# errors must never leave a generation pinned: the next refresh still frees
# the old generation promptly.  The abused backends stay connected and idle
# while this is checked, because a backend that pins again would hide a pin
# it had leaked.
#
# A reader that really is stuck inside a call is made with SIGSTOP: the
# worker then says in the log which backend holds the old generation, and
# does not start a third generation until the reader moves again.
#
# pricing.status (generations, readers) and pricing.generations() (state,
# arena half, bytes, readers and their pids) show all of it as it happens.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use PricingTest;
use PricingMemory;

my $node = new_pricing_node('reader_pins',
	'pricing.shared_memory' => "'128MB'");
$node->start;
load_sample_data($node, 'postgres');
# A city of 30000 hotels: one call of cheapest there takes milliseconds, most
# of them with the generation pinned (CHECK_FOR_INTERRUPTS every 1024 hotels).
load_city($node, 'postgres', city => 'Bigcity', hotels => 30000,
	first_id => 1000000, from => 1, to => 5);
ok($node->poll_query_until('postgres',
		'SELECT hotels = 30004 AND generations = 1 FROM pricing.status'),
	'the data is loaded');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'the sample data is served');

# One session watches and drives; it never pins anything but for an instant
# in pricing.status.
my $mon = psql_session($node, 'postgres');

sub sql
{
	my ($query) = @_;
	my ($out, $err) = $mon->query($query);
	die "monitor query failed: $query: $err" if $err ne '';
	return $out;
}

# Poll until $query answers 't', for at most $secs seconds (by default the
# test framework's timeout).
sub poll
{
	my ($query, $secs) = @_;
	$secs //= $PostgreSQL::Test::Utils::timeout_default;
	for (1 .. 10 * $secs)
	{
		return 1 if sql($query) eq 't';
		usleep(100_000);
	}
	return 0;
}

# Many calls in one statement; each call pins and unpins.  The stay differs
# from row to row so that the call is repeated for each.  max_results makes
# each call long, and so the pin easy to see: it must visit 10000 hotels
# (for the top 10, the scan order would end it after a few dozen).
sub long_query
{
	my ($calls) = @_;
	return qq{SELECT count(*) FROM generate_series(1, $calls) g,
  LATERAL pricing.cheapest('Bigcity', current_date + 1 + g % 2, current_date + 3 + g % 2,
                           max_results => 10000) c};
}

sub generations_line
{
	return sql(
		q{SELECT coalesce(string_agg(generation || ':' || state || ':' || arena_half || ':' || readers || ':' || reader_pids::text, ' ' ORDER BY generation), '')
		    FROM pricing.generations()});
}

# Poll until backend $pid pins a generation (pricing.generations() lists it).
sub wait_pinned
{
	my ($pid) = @_;
	return poll(
		"SELECT count(*) > 0 FROM pricing.generations() WHERE $pid = ANY (reader_pids)");
}

sub pinned_generation
{
	my ($pid) = @_;
	return sql(
		"SELECT coalesce(max(generation), 0) FROM pricing.generations() WHERE $pid = ANY (reader_pids)");
}

# No backend pins anything, and a refresh frees the old generation without
# waiting for anyone: afterwards one generation is live.  $alive is the
# abused session, which must still be connected (or undef).
sub check_no_pin
{
	my ($what, $alive) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	if ($alive)
	{
		ok($alive->alive, "$what: the session is still connected");
		is(sql("SELECT state FROM pg_stat_activity WHERE pid = " . $alive->pid),
			'idle', "$what: its backend is idle");
	}
	is(sql('SELECT readers FROM pricing.status'), '0',
		"$what: status.readers is 0");
	is(sql('SELECT coalesce(sum(readers), 0) FROM pricing.generations()'),
		'0', "$what: no generation has a reader");
	my $before = sql('SELECT generation FROM pricing.status');
	my $gen = sql('SELECT pricing.refresh(true)');
	cmp_ok($gen, '>', $before, "$what: the next refresh makes a new generation");
	ok(poll("SELECT generation = $gen AND generations = 1 AND readers = 0 FROM pricing.status"),
		"$what: and the old generation is freed");
	return;
}

# Like poll_query_until, but for at most 20 s.  With pricing.refresh_interval
# off, the worker still wakes by itself once a minute and would then free an
# unpinned retired generation anyway; a reader that lets go of a retired
# generation must wake it at once, which this tells apart.  (Freeing takes
# milliseconds; 20 s is only the line between "woken" and "timer".)
sub poll_briefly
{
	my ($query) = @_;
	return poll($query, 20);
}

my $log_start = log_offset($node);
my $s = psql_session($node, 'postgres');
my $pid = $s->pid;
$s->query('SET max_parallel_workers_per_gather = 0');

# --- cancel ---------------------------------------------------------------
for my $round (1 .. 3)
{
	my $t = $s->send(long_query(4000));
	ok(wait_pinned($pid), "cancel $round: the query pins a generation");
	is(sql("SELECT pg_cancel_backend($pid)"),
		't', "cancel $round: pg_cancel_backend");
	my ($out, $err, $done) = $s->wait($t);
	like($err, qr/canceling statement due to user request/,
		"cancel $round: the query was cancelled");
	check_no_pin("cancel $round", $s);
}

# --- statement_timeout ----------------------------------------------------
for my $timeout (100, 300, 700)
{
	my ($out, $err) = $s->query(
		"SET statement_timeout = '${timeout}ms';\n" . long_query(20000)
		  . ";\nRESET statement_timeout");
	like($err, qr/canceling statement due to statement timeout/,
		"statement_timeout ${timeout}ms: the query timed out");
	check_no_pin("statement_timeout ${timeout}ms", $s);
}

# --- errors ---------------------------------------------------------------
{
	# an error in the statement, between two calls
	my ($out, $err) = $s->query(
		q{SELECT count(*) FROM generate_series(1, 400) g,
  LATERAL pricing.cheapest('Bigcity', current_date + 1 + g % 2, current_date + 3 + g % 2) c
 WHERE c.total / (200 - g) IS NOT NULL});
	like($err, qr/division by zero/, 'error between calls: division by zero');
	check_no_pin('error between calls', $s);

	# errors of the arguments, raised before the pin
	($out, $err) = $s->query(
		"SELECT * FROM pricing.cheapest('Bigcity', current_date + 3, current_date + 1);\n"
		  . "SELECT * FROM pricing.quote(1000001, current_date + 1, current_date + 200)");
	like($err, qr/checkout must be later than checkin/, 'argument error of cheapest');
	like($err, qr/longer than pricing.max_nights/, 'argument error of quote');
	check_no_pin('argument errors', $s);

	# an error raised with the generation pinned: the index serves another
	# database than the caller's
	$node->safe_psql('postgres', 'CREATE DATABASE other');
	$node->safe_psql('other', 'CREATE EXTENSION pricing');
	my $o = psql_session($node, 'other');
	($out, $err) = $o->query(q{
DO $$
DECLARE
	n int := 0;
BEGIN
	FOR i IN 1 .. 200 LOOP
		BEGIN
			PERFORM * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8);
		EXCEPTION WHEN object_not_in_prerequisite_state THEN
			n := n + 1;
		END;
	END LOOP;
	RAISE NOTICE 'caught % errors', n;
END $$;
SELECT * FROM pricing.quote(1, current_date + 5, current_date + 8)});
	like($err, qr/caught 200 errors/,
		'200 calls from another database fail with 55000 under the pin');
	like($err, qr/pricing index serves another database/,
		'and the error reaches the client');
	check_no_pin('errors under the pin', $o);
	$o->quit;
}

# --- terminate ------------------------------------------------------------
for my $round (1 .. 2)
{
	my $t = psql_session($node, 'postgres');
	my $tpid = $t->pid;
	my $ticket = $t->send(long_query(4000));
	ok(wait_pinned($tpid), "terminate $round: the query pins a generation");
	is(sql("SELECT pg_terminate_backend($tpid)"),
		't', "terminate $round: pg_terminate_backend");
	my ($out, $err, $done) = $t->wait($ticket);
	like($err, qr/terminating connection due to administrator command/,
		"terminate $round: the backend was terminated mid-query");
	$t->quit;
	ok(poll("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $tpid"),
		"terminate $round: the backend is gone");
	check_no_pin("terminate $round", undef);
}

is($node->safe_psql('postgres', cheapest_query()),
	$SAMPLE_CHEAPEST, 'the index still answers correctly');
unlike(log_since($node, $log_start), qr/is still pinned by the backend/,
	'no refresh ever waited for a pin');

# --- readers stopped while they pin a generation --------------------------
# SIGSTOP the backend of session $sess while it is inside a call, pinning;
# returns the generation it pins then.
my %stopped;
END { kill 'CONT', $_ for keys %stopped; }

sub stop_while_pinned
{
	my ($sess) = @_;
	my $p = $sess->pid;
	for (1 .. 50)
	{
		wait_pinned($p) or return 0;
		kill 'STOP', $p;
		$stopped{$p} = 1;
		my $gen = pinned_generation($p);
		return $gen if $gen > 0;
		# it left the call between the two looks: let it go on
		kill 'CONT', $p;
		delete $stopped{$p};
	}
	return 0;
}

sub resume
{
	my ($p) = @_;
	kill 'CONT', $p;
	delete $stopped{$p};
}

for my $how ('cancel', 'terminate')
{
	my $sess = psql_session($node, 'postgres');
	my $p = $sess->pid;
	my $ticket = $sess->send(long_query(4000));
	my $g = stop_while_pinned($sess);
	ok($g, "$how while pinning a retired generation: backend $p stopped while it pins generation $g");

	my $next = sql('SELECT pricing.refresh(true)');
	is($next, $g + 1, "$how: a refresh publishes generation $next");
	my $half = $g % 2;
	my $nhalf = 1 - $half;
	is(generations_line(),
		"$g:retired:$half:1:{$p} $next:serving:$nhalf:0:{}",
		"$how: pricing.generations() shows generation $g retired, pinned by $p");
	is(sql(q{SELECT generations || ' ' || readers FROM pricing.status}),
		'2 1', "$how: pricing.status shows two generations and one reader");

	if ($how eq 'cancel')
	{
		sql("SELECT pg_cancel_backend($p)");
	}
	else
	{
		sql("SELECT pg_terminate_backend($p)");
	}
	resume($p);
	my ($out, $err) = $sess->wait($ticket);
	like($err,
		$how eq 'cancel'
		? qr/canceling statement due to user request/
		: qr/terminating connection due to administrator command/,
		"$how: the stopped query was " . ($how eq 'cancel' ? 'cancelled' : 'terminated') . ' once it ran again');
	ok(poll_briefly(
			"SELECT generations = 1 AND readers = 0 AND generation = $next FROM pricing.status"),
		"$how: the retired generation $g is freed without another refresh, before the worker's own timer"
	);
	is(generations_line(), "$next:serving:$nhalf:0:{}",
		"$how: pricing.generations() shows only generation $next");
	$sess->quit;
}

# --- a stuck reader -------------------------------------------------------
{
	my $sess = psql_session($node, 'postgres');
	my $p = $sess->pid;
	my $calls = 2000;
	# rows the query returns: half its calls are for each of two stays
	my $rows = $calls / 2 * sql(
		q{SELECT sum(n) FROM (
		    SELECT count(*) AS n FROM pricing.cheapest('Bigcity', current_date + 1, current_date + 3, max_results => 10000)
		    UNION ALL
		    SELECT count(*) FROM pricing.cheapest('Bigcity', current_date + 2, current_date + 4, max_results => 10000)) x});
	my $ticket = $sess->send(long_query($calls));
	my $g = stop_while_pinned($sess);
	ok($g, "stuck reader: backend $p stopped while it pins generation $g");
	my $next = sql('SELECT pricing.refresh(true)');
	is($next, $g + 1, "stuck reader: generation $next serves");

	my $offset = log_offset($node);
	my $used2 = sql('SELECT arena_bytes_used FROM pricing.status');
	# ask for another refresh, and change the data: both need a third
	# generation, which must wait
	sql('SELECT pricing.refresh(false)');
	sql('UPDATE pricing.rate SET price = 80.00 WHERE hotel_id = 1');
	my $logged = eval {
		$node->wait_for_log(
			qr/pricing generation $g is still pinned by the backend with PID $p\b/,
			$offset);
		1;
	};
	ok($logged,
		"stuck reader: the worker logs that generation $g is pinned by backend $p");
	is(sql(q{SELECT generation || ' ' || generations FROM pricing.status}),
		"$next 2", 'stuck reader: no third generation, the newest serves');
	my $half = $g % 2;
	my $nhalf = 1 - $half;
	is(generations_line(),
		"$g:retired:$half:1:{$p} $next:serving:$nhalf:0:{}",
		'stuck reader: pricing.generations() names the stuck backend');
	unlike(log_since($node, $offset), qr/pricing generation \d+ loaded/,
		'stuck reader: the worker loaded nothing meanwhile');
	cmp_ok(sql('SELECT arena_bytes_used FROM pricing.status'),
		'<=', $used2, 'stuck reader: the arena holds no more than the two generations');
	is($node->safe_psql('postgres', cheapest_query()),
		$SAMPLE_CHEAPEST, 'stuck reader: other readers are answered by the serving generation');

	resume($p);
	my ($out, $err, $done) = $sess->wait($ticket);
	ok($done && $err eq '', 'stuck reader: its query goes on and succeeds once resumed')
	  or diag("stderr: $err");
	is($out, $rows, "stuck reader: its query returned all $rows rows of its $calls calls");
	# hotel 1: 3 x 80.00 + city tax 9.00 = 249.00
	wait_serving($node, 'postgres', '1:1:249.00,2:2:379.50,3:1:430.00',
		'stuck reader: the change made meanwhile is served after it moved');
	ok(poll("SELECT generation > $next AND generations = 1 AND readers = 0 FROM pricing.status"),
		'stuck reader: the old generations are freed');
	like(log_since($node, $offset), qr/pricing generation @{[$next + 1]} loaded/,
		'stuck reader: the next generation was built once the pin was gone');
	$sess->quit;
}

$s->quit;
$mon->quit;
$node->stop;
done_testing();
