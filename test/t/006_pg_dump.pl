# (g) pg_dump keeps the rows of the source tables: they belong to the user.
# Restore into a new database, compare the tables, and let the worker load
# the restored database.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('pg_dump');
$node->start;
load_sample_data($node, 'postgres');
load_bulk_data($node, 'postgres', 50);
$node->safe_psql(
	'postgres', q{
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead)
VALUES (100001, 1, 12.5, 2, current_date, current_date + 20, 3),
       (100002, NULL, 5, 1, NULL, NULL, NULL);
INSERT INTO pricing.fee (hotel_id, name, amount, per)
VALUES (100001, 'Breakfast', 12.00, 'guest_night'), (100003, 'Parking', 8.00, 'night');
UPDATE pricing.rate SET min_stay = 2, closed_to_arrival = true
 WHERE hotel_id = 100004 AND stay_date = current_date + 5;
});
my $bulk_answer = cheapest_query(city => 'Bulkville', max_results => 20);
ok( $node->poll_query_until(
		'postgres',
		'SELECT (' . $bulk_answer . ') = (' . reference_query(city => 'Bulkville', max_results => 20) . ')'),
	'data loaded');
my $answer = $node->safe_psql('postgres', $bulk_answer);
isnt($answer, '', 'the bulk city has prices');

my @tables = qw(hotel room rate discount fee);

# count and a checksum of the whole content of each source table
sub table_summary
{
	my ($db) = @_;
	my %s;
	for my $t (@tables)
	{
		$s{$t} = $node->safe_psql($db,
			"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM pricing.$t t"
		);
	}
	return \%s;
}
my $before = table_summary('postgres');

my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $dump = "$tempdir/pricing.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'postgres' ],
	'pg_dump of the database');
$node->command_ok([ 'pg_dump', '-f', "$tempdir/pricing.sql", '-d', 'postgres' ],
	'pg_dump in plain format');
my $plain = slurp_file("$tempdir/pricing.sql");
like($plain, qr/^COPY pricing\.rate \(/m, 'the plain dump has the rows of pricing.rate');
like($plain, qr/^CREATE EXTENSION IF NOT EXISTS pricing /m,
	'the plain dump creates the extension');

$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', 'restored', $dump ],
	'pg_restore into a new database');

my $after = table_summary('restored');
for my $t (@tables)
{
	my ($cb) = split / /, $before->{$t};
	my ($ca) = split / /, $after->{$t};
	cmp_ok($cb, '>', 0, "pricing.$t has rows");
	is($ca, $cb, "pricing.$t: same number of rows after restore");
	is($after->{$t}, $before->{$t}, "pricing.$t: same rows after restore");
}

# The restored database works like the original: new rows get new ids.
my ($rc, $out, $err) = sql_error(
	$node, 'restored', q{
INSERT INTO pricing.discount (hotel_id, percent) VALUES (1, 1) RETURNING discount_id > 3;
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (1, 'Towels', 1, 'stay') RETURNING fee_id > 3;
});
is($rc, 0, 'rows without an explicit id can be added after restore') or diag($err);
is($out, "t\nt", 'they get ids that do not collide with the restored rows');
$node->safe_psql('restored', q{
DELETE FROM pricing.discount WHERE hotel_id = 1 AND percent = 1;
DELETE FROM pricing.fee WHERE hotel_id = 1 AND name = 'Towels';
});

# The worker loads the restored database.
$node->append_conf('postgresql.conf', "pricing.database = 'restored'");
$node->restart;
ok( $node->poll_query_until(
		'restored', q{SELECT database = 'restored' AND generation > 0 FROM pricing.status}),
	'the worker loads the restored database');
is($node->safe_psql('restored', $bulk_answer),
	$answer, 'the index built from the restored tables gives the same answer');
is(cheapest($node, 'restored'), $SAMPLE_CHEAPEST,
	'and the same for the sample city');

$node->stop;
done_testing();
