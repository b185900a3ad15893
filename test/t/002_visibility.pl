# (b) A committed change reaches the index without a call to refresh; an
# uncommitted one does not.
# (c) pricing.refresh(true) waits for a generation that includes every change
# committed before the call and returns its number; pricing.refresh(false)
# returns at once.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('visibility');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data loaded');

my $gen0 = status_of($node, 'postgres', 'generation');

# --- (b) committed change, no refresh call --------------------------------
# Hotel 2, room 2 drops to 90.00 a night: 270.00 + 27.00 VAT = 297.00.
$node->safe_psql('postgres',
	q{UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2});
wait_serving(
	$node, 'postgres',
	'2:2:297.00,1:1:309.00,3:1:430.00',
	'a committed UPDATE becomes visible without a call to refresh');
cmp_ok(status_of($node, 'postgres', 'generation'),
	'>', $gen0, 'a new generation serves the change');

# DELETE and INSERT of other tables are noticed too: hotel 1 loses its rate
# for one night of the stay, so it has no price any more.
$node->safe_psql('postgres',
	q{DELETE FROM pricing.rate WHERE hotel_id = 1 AND stay_date = current_date + 6});
wait_serving($node, 'postgres', '2:2:297.00,3:1:430.00',
	'a committed DELETE becomes visible without a call to refresh');
$node->safe_psql('postgres',
	q{INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (2, 'Resort', 1.00, 'guest_night')});
# 270.00 + 6.00 fees = 276.00, VAT 27.60: 303.60
wait_serving($node, 'postgres', '2:2:303.60,3:1:430.00',
	'a committed INSERT into pricing.fee becomes visible without a call to refresh');
is(cheapest($node, 'postgres'), reference($node, 'postgres'),
	'index agrees with the reference computed from the tables');

# --- (b) an uncommitted change is not visible ---------------------------
my $bg = $node->background_psql('postgres');
$bg->query_safe('BEGIN');
$bg->query_safe(q{UPDATE pricing.rate SET price = 1.00 WHERE hotel_id = 3});
is($bg->query_safe(cheapest_query()),
	'2:2:303.60,3:1:430.00',
	'the transaction that made the change does not see it in the index');

# A refresh that waits, made while the change is still uncommitted, must not
# pick it up.
my $gen_unc = $node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
like($gen_unc, qr/^\d+$/, 'refresh(true) returns a generation number');
is(cheapest($node, 'postgres'), '2:2:303.60,3:1:430.00',
	'an uncommitted change is not visible after a refresh');

# Commit: now it must arrive by itself.
# Hotel 3: 3 x 1.00 - 0.30 discount + 25.00 cleaning = 27.70.
$bg->query_safe('COMMIT');
wait_serving(
	$node, 'postgres',
	'3:1:27.70,2:2:303.60',
	'once committed, the change becomes visible without a call to refresh');
cmp_ok(status_of($node, 'postgres', 'generation'),
	'>', $gen_unc, 'by a newer generation');

# A rolled back change never shows.
$bg->query_safe('BEGIN');
$bg->query_safe(q{DELETE FROM pricing.hotel WHERE hotel_id = 3});
$bg->query_safe('ROLLBACK');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(cheapest($node, 'postgres'), '3:1:27.70,2:2:303.60',
	'a rolled back DELETE is not visible');

# --- (c) refresh(true) returns a generation that holds the change -------------
# Each round changes the price and checks the answer immediately after
# refresh(true) returns, in the same session: if refresh(true) returned
# before the generation with the change served, the old price would show.
for my $round (1 .. 10)
{
	my $price = sprintf('%.2f', 10 + $round);
	my $before = status_of($node, 'postgres', 'generation');
	my $out = $node->safe_psql(
		'postgres', qq{
UPDATE pricing.rate SET price = $price WHERE hotel_id = 3;
SELECT pricing.refresh(true);
} . cheapest_query() . q{;
SELECT generation FROM pricing.status;});
	my ($ret, $answer, $serving) = split /\n/, $out;
	# 3 x price - 10% + 25.00
	my $total = sprintf('%.2f', 3 * $price - sprintf('%.2f', 0.3 * $price) + 25);
	is($answer, "3:1:$total,2:2:303.60",
		"round $round: change visible right after refresh(true)");
	cmp_ok($ret, '>', $before,
		"round $round: refresh(true) returns a generation newer than before the change");
	cmp_ok($ret, '<=', $serving,
		"round $round: the returned generation is serving (or superseded)");
}

# refresh(true) without any change still returns a serving generation.
my ($r1, $s1) = split /\n/,
  $node->safe_psql('postgres',
	'SELECT pricing.refresh(true); SELECT generation FROM pricing.status');
cmp_ok($r1, '<=', $s1, 'refresh(true) with no change returns a serving generation');

# --- (c) refresh(false) returns at once -------------------------------------
# Lock the source tables so that the worker cannot finish a refresh.  A
# refresh(false) must return anyway (with the generation serving now), and a
# refresh(true) must wait, here until its statement_timeout cancels it.
my $serving = status_of($node, 'postgres', 'generation');
$bg->query_safe('BEGIN');
$bg->query_safe(
	q{LOCK TABLE pricing.hotel, pricing.room, pricing.rate, pricing.discount, pricing.fee IN ACCESS EXCLUSIVE MODE}
);

my ($rc, $out, $err) = sql_error($node, 'postgres',
	q{SET statement_timeout = '60s'; SELECT pricing.refresh(false);});
is($rc, 0, 'refresh(false) returns while the worker cannot refresh')
  or diag($err);
is($out, $serving, 'refresh(false) returns the generation serving now');

# The worker is stuck on the lock, but the index still answers.
is(cheapest($node, 'postgres'), '3:1:79.00,2:2:303.60',
	'the index keeps serving while a refresh is blocked');

($rc, $out, $err) = sql_error($node, 'postgres',
	q{SET statement_timeout = '2s'; SELECT pricing.refresh(true);});
isnt($rc, 0, 'refresh(true) does not return while the worker cannot refresh');
note("refresh(true) under the lock: $err");

($rc, $out, $err) = sql_error($node, 'postgres',
	q{SET statement_timeout = '60s'; SELECT pricing.refresh(false);});
is($rc, 0, 'refresh(false) again returns while the worker cannot refresh')
  or diag($err);
is($out, $serving, 'still the generation serving now');

$bg->query_safe('ROLLBACK');
$bg->quit;

my $after = $node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
cmp_ok($after, '>', $serving,
	'once the lock is gone refresh(true) returns a newer generation');
is(status_of($node, 'postgres', 'last_error IS NULL'),
	't', 'and last_error is NULL');

$node->stop;
done_testing();
