# Logical replication: a subscriber's index (and its hot standby's) follows
# the changes its apply workers make, with no call to pricing.refresh().
#
# The apply workers run with session_replication_role = replica and fire
# only row triggers (statement triggers only for TRUNCATE and the initial
# copy).  The publication is FOR ALL TABLES, so pricing.change_counter is
# replicated too: its rows are keyed by server, so the publisher's rows
# never collide with the subscriber's own.
#
# Every kind of change on every source table (INSERT, UPDATE, DELETE,
# TRUNCATE) must reach the subscriber's index and its standby's, each
# compared with the plain-SQL reading of the subscriber's tables.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $publisher = new_pricing_node('publisher', init => { allows_streaming => 'logical' });
$publisher->start;
load_sample_data($publisher, 'postgres');
wait_serving($publisher, 'postgres', $SAMPLE_CHEAPEST, 'the publisher serves the sample');

my $subscriber = new_pricing_node('subscriber', init => { allows_streaming => 1 });
$subscriber->start;
$subscriber->safe_psql('postgres', 'CREATE EXTENSION pricing');

my $connstr = $publisher->connstr . ' dbname=postgres';
$publisher->safe_psql('postgres', 'CREATE PUBLICATION pricing_pub FOR ALL TABLES');
$subscriber->safe_psql('postgres',
	"CREATE SUBSCRIPTION pricing_sub CONNECTION '$connstr' PUBLICATION pricing_pub");
$subscriber->wait_for_subscription_sync($publisher, 'pricing_sub');
wait_serving($subscriber, 'postgres', $SAMPLE_CHEAPEST,
	'the initial copy reaches the subscriber\'s index by itself');

# a hot standby of the subscriber
$subscriber->backup('sub_backup');
my $standby = PostgreSQL::Test::Cluster->new('sub_standby');
$standby->init_from_backup($subscriber, 'sub_backup', has_streaming => 1);
$standby->start;
$subscriber->wait_for_catchup($standby);
wait_serving($standby, 'postgres', $SAMPLE_CHEAPEST, 'and its standby\'s');

# Every kind of change on every source table.  After each, the subscriber
# and its standby serve what the subscriber's tables say.
my @changes = (
	[ 'rate UPDATE', 'UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2' ],
	[ 'rate DELETE', 'DELETE FROM pricing.rate WHERE hotel_id = 1 AND stay_date = current_date + 6' ],
	[ 'rate INSERT', q{INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
	                   VALUES (1, 1, current_date + 6, 80.00, 5)} ],
	[ 'hotel UPDATE', 'UPDATE pricing.hotel SET vat_percent = 20 WHERE hotel_id = 1' ],
	[ 'hotel INSERT', q{INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (5, 'Testville', 'Epsilon')} ],
	[ 'room INSERT', q{INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (5, 1, 'Twin', 2)} ],
	[ 'rate INSERT of a new hotel', q{INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
	   SELECT 5, 1, d::date, 60.00 FROM generate_series(current_date, current_date + 20, interval '1 day') d} ],
	[ 'room UPDATE', 'UPDATE pricing.room SET max_guests = 1 WHERE hotel_id = 5' ],
	[ 'room UPDATE back', 'UPDATE pricing.room SET max_guests = 2 WHERE hotel_id = 5' ],
	[ 'discount INSERT', 'INSERT INTO pricing.discount (hotel_id, percent) VALUES (5, 50)' ],
	[ 'discount UPDATE', 'UPDATE pricing.discount SET percent = 25 WHERE hotel_id = 5' ],
	[ 'discount DELETE', 'DELETE FROM pricing.discount WHERE hotel_id = 3' ],
	[ 'fee INSERT', q{INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (5, 'Towels', 7.00, 'night')} ],
	[ 'fee UPDATE', 'UPDATE pricing.fee SET amount = 30.00 WHERE hotel_id = 3' ],
	[ 'fee DELETE', 'DELETE FROM pricing.fee WHERE hotel_id = 5' ],
	[ 'discount TRUNCATE', 'TRUNCATE pricing.discount' ],
	[ 'room DELETE', 'DELETE FROM pricing.room WHERE hotel_id = 5' ],
	[ 'hotel DELETE', 'DELETE FROM pricing.hotel WHERE hotel_id = 5' ],
	[ 'fee TRUNCATE', 'TRUNCATE pricing.fee' ]);

my $before = $subscriber->safe_psql('postgres', 'SELECT refreshes FROM pricing.status');
for my $c (@changes)
{
	my ($what, $sql) = @$c;
	$publisher->safe_psql('postgres', $sql);
	$publisher->wait_for_catchup('pricing_sub');
	my $expected = reference($subscriber, 'postgres');
	is(reference($publisher, 'postgres'), $expected,
		"$what: the subscriber's tables have the change");
	wait_serving($subscriber, 'postgres', $expected, "$what: the subscriber's index serves it");
	$subscriber->wait_for_catchup($standby);
	wait_serving($standby, 'postgres', $expected, "$what: and its standby's");
}
cmp_ok($subscriber->safe_psql('postgres', 'SELECT refreshes FROM pricing.status'),
	'>', $before, 'the subscriber refreshed by itself (refresh() was never called)');

# the counter: each server's rows apart, none lost
is( $subscriber->safe_psql('postgres',
		'SELECT count(DISTINCT node) FROM pricing.change_counter'),
	'2', "the subscriber's change counter holds its own rows and the publisher's");
is( $subscriber->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_subscription WHERE subname = 'pricing_sub' AND pid IS NOT NULL}),
	'1', 'the subscription is still applying (no conflict on the counter)');
is($subscriber->safe_psql('postgres', 'SELECT last_error FROM pricing.status'),
	'', 'no refresh failed on the subscriber');

for my $node ($publisher, $subscriber, $standby)
{
	unlike(slurp_file($node->logfile), qr/terminated by signal|PANIC|TRAP:|duplicate key/,
		$node->name . ': no crash, no conflict');
}

$standby->stop;
$subscriber->stop;
$publisher->stop;
done_testing();
