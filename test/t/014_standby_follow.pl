# Read scaling: a hot standby follows the primary's committed changes by
# itself.  Triggers do not fire on a standby; the trigger on the primary
# bumps the writing backend's row of pricing.change_counter, the bump
# replays with the change, and the standby's worker refreshes when the
# counter's sum differs from the one its serving generation saw (see
# src/changes.c).  With pricing.refresh_interval = 0 on both servers, a
# committed change must reach the standby's index with no refresh call
# there; an uncommitted one never does; the standby keeps serving whole
# generations while the primary writes and refreshes; pricing.refresh() on
# the standby rebuilds the standby's index.  The commit-to-index delay is
# measured and reported, never asserted beyond a generous bound.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use List::Util qw(max min sum);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use PricingTest;

# the bound of every wait for the standby, in seconds
my $bound = 30;

# the standby inherits the primary's settings: no refresh interval either
my ($primary, $standby) = new_primary_and_standby();

is($standby->safe_psql('postgres',
		'SELECT pg_is_in_recovery(), current_setting(\'pricing.refresh_interval\')'),
	't|0', 'the standby is in recovery and has no refresh interval');
wait_serving($standby, 'postgres', $SAMPLE_CHEAPEST,
	'the standby builds and serves its own index');

# Otherton has one hotel (4) with one single room: 3 nights x its price.
my $otherton = cheapest_query(city => 'Otherton', guests => 1);

# Long-lived sessions: a writer on the primary, a reader on the standby.
# The writer never waits for a lock longer than 5 s: writers must not wait
# for each other.
my $writer = $primary->background_psql('postgres');
$writer->query_safe(q{SET lock_timeout = '5s'});
my $reader = $standby->background_psql('postgres', on_error_stop => 0);

# BackgroundPsql notes every query and its result in the test log; the
# polling loops below send thousands, which are not worth a note each.
sub quietly
{
	my ($code) = @_;
	no warnings 'redefine';
	local *PostgreSQL::Test::BackgroundPsql::note = sub { };
	return $code->();
}

# Poll $query on the standby's session until it answers $expected, at most
# $bound seconds.  Returns the time it answered, or undef.
sub standby_answers
{
	my ($query, $expected) = @_;
	return quietly(sub { poll_standby($query, $expected) });
}

sub poll_standby
{
	my ($query, $expected) = @_;
	my $deadline = time + $bound;
	while (time < $deadline)
	{
		my ($out, $ret) = $reader->query($query);
		return time if !$ret && $out eq $expected;
		$reader->{stderr} = '';    # query() leaves an error's text there
		sleep 0.005;
	}
	return undef;
}

#
# 1. Committed changes reach the standby's index by themselves; measure
#    the time from the commit on the primary to the answer on the standby.
#
my $refreshes_before = status_of($standby, 'postgres', 'refreshes');
my @delays;
my $changes = 8;
for my $i (1 .. $changes)
{
	my $price = 50 + $i;
	my $expected = sprintf('4:1:%.2f', 3 * $price);
	# land anywhere in the standby's polling cycle
	sleep rand(0.5);
	my $t0 = time;
	$writer->query_safe(
		"UPDATE pricing.rate SET price = $price WHERE hotel_id = 4 AND room_id = 1");
	my $seen = standby_answers($otherton, $expected);
	ok(defined $seen,
		"change $i: the standby's index answers $expected within ${bound}s, no refresh called");
	push @delays, 1000 * ($seen - $t0) if defined $seen;
}
if (@delays)
{
	my @s = sort { $a <=> $b } @delays;
	my $median = @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
	note 'commit-to-index delays (ms): ' . join(' ', map { sprintf '%.0f', $_ } @delays);
	diag(sprintf
		  'replication-to-index delay on the standby over %d changes: median %.0f ms, min %.0f ms, max %.0f ms',
		scalar(@s), $median, $s[0], $s[-1]);
	# The bound the README states: the standby's worker looks at replay
	# every 500 ms, so a change serves within that plus one refresh of
	# this small data set (milliseconds): median at most 0.5 s, every
	# change within 1 s.  Asserted with a tolerance of 2x for a machine
	# busy with other tests.
	cmp_ok($median, '<=', 2 * 500, 'the median delay is within the documented 0.5 s (2x tolerance)');
	cmp_ok($s[-1], '<=', 2 * 1000, 'every delay is within the documented 1 s (2x tolerance)');
}
cmp_ok(status_of($standby, 'postgres', 'refreshes'), '>=', $refreshes_before + $changes,
	'the standby\'s worker refreshed once for each change at least');
is(status_of($standby, 'postgres', 'last_error IS NULL'), 't',
	'no refresh error on the standby');

#
# 2. An uncommitted change never reaches the standby's index, even when
#    the standby refreshes after its WAL was replayed; a second writer
#    commits meanwhile without waiting for the first.
#
my $open = $primary->background_psql('postgres');
$open->query_safe('BEGIN');
$open->query_safe(q{UPDATE pricing.rate SET price = 10.00 WHERE hotel_id = 1});
$open->query_safe(q{INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (2, 'uncommitted', 1000, 'stay')});
$primary->wait_for_catchup($standby);

ok( eval {
		$writer->query_safe(
			q{UPDATE pricing.rate SET price = 77.00 WHERE hotel_id = 4 AND room_id = 1});
		1;
	},
	'a second writer commits while the first one\'s transaction is open')
  or diag($@);
ok(defined standby_answers($otherton, '4:1:231.00'),
	'the standby refreshed for the committed change');
is($standby->safe_psql('postgres', cheapest_query()), $SAMPLE_CHEAPEST,
	'the uncommitted change is not in the standby\'s index');

$open->query_safe('ROLLBACK');
$open->quit;
$writer->query_safe(
	q{UPDATE pricing.rate SET price = 78.00 WHERE hotel_id = 4 AND room_id = 1});
ok(defined standby_answers($otherton, '4:1:234.00'),
	'the standby refreshed after the rollback and the next commit');
is($standby->safe_psql('postgres', cheapest_query()), $SAMPLE_CHEAPEST,
	'the rolled back change never reaches the standby\'s index');

#
# 3. The standby keeps serving whole generations while the primary commits
#    and refreshes in a loop.  Version k of the Testville prices, written
#    by one statement, gives
#      hotel 1: 3 x (100 + k) + 9 city tax                  = 309   + 3.0 k
#      hotel 2: room 2, 3 x (115 + k) + 10% VAT             = 379.5 + 3.3 k
#      hotel 3: 3 x (150 + k) - 10% + 25 cleaning           = 430   + 2.7 k
#    so every answer names one k for each hotel, and a torn answer (hotels
#    of two versions) shows as two different k.
#
my $versions = 30;
my $bump = q{UPDATE pricing.rate
   SET price = CASE hotel_id * 10 + room_id WHEN 11 THEN 100 WHEN 21 THEN 120
                                            WHEN 22 THEN 115 ELSE 150 END + k
 WHERE hotel_id IN (1, 2, 3)};
my $psql = $primary->installed_command('psql');
my ($w_out, $w_err, $r_out, $r_err) = ('', '', '', '');
my $commits = IPC::Run::start(
	[
		$psql, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $primary->connstr('postgres'),
		'-c', "DO \$\$ BEGIN FOR k IN 1 .. $versions LOOP $bump; COMMIT; PERFORM pg_sleep(0.1); END LOOP; END \$\$"
	],
	'>', \$w_out, '2>', \$w_err);
my $refreshes = IPC::Run::start(
	[
		$psql, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $primary->connstr('postgres'),
		'-c', q{SELECT count(*) FROM generate_series(1, 200) AS i WHERE pricing.refresh(true) > 0}
	],
	'>', \$r_out, '2>', \$r_err);

my $testville = cheapest_query();
my (%seen_k, @torn, @failed);
my $queries = 0;
my $version_of = sub {
	my ($answer) = @_;
	return undef
	  unless $answer =~ /^1:1:([\d.]+),2:2:([\d.]+),3:1:([\d.]+)$/;
	my @k = (($1 - 309) / 3, ($2 - 379.5) / 3.3, ($3 - 430) / 2.7);
	my $k = sprintf('%.0f', $k[0]);
	return (grep { abs($_ - $k) > 1e-6 } @k) ? undef : $k;
};
quietly(
	sub {
		while ($commits->pumpable || $refreshes->pumpable)
		{
			$commits->pump_nb if $commits->pumpable;
			$refreshes->pump_nb if $refreshes->pumpable;
			my ($out, $ret) = $reader->query($testville);
			$queries++;
			if ($ret)
			{
				push @failed, $reader->{stderr};
				$reader->{stderr} = '';
				next;
			}
			my $k = $version_of->($out);
			if (defined $k) { $seen_k{$k}++ }
			else { push @torn, $out }
		}
	});
ok($commits->finish, "the primary committed $versions versions")
  or diag($w_err);
chomp $r_out;
ok($refreshes->finish, "the primary refreshed in a loop meanwhile ($r_out times)")
  or diag($r_err);
note "standby answers during the loop: $queries; versions seen: "
  . join(' ', map { "$_ x$seen_k{$_}" } sort { $a <=> $b } keys %seen_k);
is(scalar(@failed), 0, "every one of $queries queries on the standby succeeded")
  or diag(join("\n", @failed[ 0 .. min(4, $#failed) ]));
is(scalar(@torn), 0, 'every answer on the standby was one whole generation')
  or diag(join("\n", @torn[ 0 .. min(4, $#torn) ]));
cmp_ok(scalar(keys %seen_k), '>=', 2,
	'the standby served several versions while they were committed');
ok(defined standby_answers($testville,
		sprintf('1:1:%.2f,2:2:%.2f,3:1:%.2f', 309 + 3 * $versions, 379.5 + 3.3 * $versions, 430 + 2.7 * $versions)),
	'the standby ends on the last version');

#
# 4. pricing.refresh() on the standby rebuilds the standby's index.
#
my $gen = status_of($standby, 'postgres', 'generation');
$primary->safe_psql('postgres', 'SELECT pricing.refresh(true)');
my $primary_gen = status_of($primary, 'postgres', 'generation');
my $got = $standby->safe_psql('postgres', 'SELECT pricing.refresh(true)');
cmp_ok($got, '>', $gen, 'refresh(true) on the standby returns a new generation');
cmp_ok(status_of($standby, 'postgres', 'generation'), '>=', $got,
	'and that generation serves on the standby');
is(status_of($primary, 'postgres', 'generation'), $primary_gen,
	'the primary\'s index is not refreshed by it');
cmp_ok($standby->safe_psql('postgres', 'SELECT pricing.refresh(false)'), '>=', $got,
	'refresh(false) on the standby answers at once');

# a change replayed just before the call is in the generation it returns
$writer->query_safe(
	q{UPDATE pricing.rate SET price = 60.00 WHERE hotel_id = 4 AND room_id = 1});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', "SELECT pricing.refresh(true) > 0; $otherton"),
	"t\n4:1:180.00", 'refresh(true) on the standby serves the change replayed before it');
is(status_of($standby, 'postgres', 'last_error IS NULL'), 't',
	'no refresh error on the standby');

$writer->quit;
$reader->quit;
$standby->stop;
$primary->stop;
done_testing();
