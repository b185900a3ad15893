# PricingMemory.pm: helpers for the memory tests (010_soak.pl,
# 011_reader_pins.pl, 012_arena_full.pl) and the memory plot
# (test/memory-plot.sh): psql sessions that stay open across queries, reader
# clients that query without pause, data sets of a chosen size, and the
# worker's memory as the kernel sees it.
#
#     use FindBin;
#     use lib $FindBin::RealBin;
#     use PricingTest;
#     use PricingMemory;
#
# Every loop here is bounded in count and in time.

package PricingMemory;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest ();

our @EXPORT = qw(
  load_city
  process_memory
  psql_session
  start_readers
  stop_readers
  log_offset
  log_since
  MIB
);

use constant MIB => 1024 * 1024;

# $hotels hotels in $city, hotel_id from $first_id + 1, $rooms rooms each,
# and a rate for the nights current_date + $from .. current_date + $to - 1 of
# every room (prices and availability vary with the ids and the night).
# Every room that has a rate holds nightly arrays over the whole window
# (pricing.horizon_days + 2 nights, 6 bytes a night) in a generation, so the
# horizon sets a generation's size and the number of rates the refresh time.
sub load_city
{
	my ($node, $db, %o) = @_;
	my $city = $o{city} // die 'city';
	my $hotels = $o{hotels} // die 'hotels';
	my $first = $o{first_id} // 0;
	my $rooms = $o{rooms} // 1;
	my $from = $o{from} // -1;
	my $to = $o{to} // 30;
	$node->safe_psql(
		$db, qq{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, vat_percent, city_tax)
SELECT $first + g, '$city', '$city ' || g, g % 6, (g % 3) * 5, (g % 4) * 0.5
  FROM generate_series(1, $hotels) g;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT $first + g, r, 'Room ' || r, 2 + r, 2, 10 * r
  FROM generate_series(1, $hotels) g, generate_series(1, $rooms) r;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT $first + g, r, current_date + d, 50 + (g * 7 + r * 13 + d * 3) % 200, 1 + (g + r + d) % 3
  FROM generate_series(1, $hotels) g, generate_series(1, $rooms) r,
       generate_series($from, $to - 1) d;
COMMIT;
});
	return;
}

# The memory of a process as the kernel counts it, in bytes, from
# /proc/<pid>/status: RssAnon (private memory: the worker's own heap,
# mimalloc's metadata, PostgreSQL's memory contexts), RssShmem (pages of
# shared memory it has touched: the arena, shared buffers).  Returns a hash
# reference, or undef when the process is gone.
sub process_memory
{
	my ($pid) = @_;
	open(my $fh, '<', "/proc/$pid/status") or return undef;
	my %m;
	while (my $line = <$fh>)
	{
		$m{$1} = $2 * 1024 if $line =~ /^(RssAnon|RssShmem|RssFile|VmRSS|VmHWM):\s+(\d+) kB/;
	}
	close $fh;
	return \%m;
}

# The current end of the server log, and what was written after an offset.
sub log_offset
{
	my ($node) = @_;
	return -s $node->logfile;
}

sub log_since
{
	my ($node, $offset) = @_;
	return slurp_file($node->logfile, $offset);
}

# A psql session that stays connected: statements are sent on its standard
# input and their output collected, with ON_ERROR_STOP off so that a failed
# statement leaves the session (and its backend) alive.
#   my $s = psql_session($node, 'postgres');
#   my ($out, $err) = $s->query('SELECT 1');    # wait for the result
#   my $n = $s->send('SELECT pg_sleep(10)');     # do not wait ...
#   my ($out, $err) = $s->wait($n);              # ... until here
#   $s->pid;   $s->quit;
sub psql_session
{
	my ($node, $db, %o) = @_;
	return PricingMemory::Session->new($node, $db, %o);
}

package PricingMemory::Session;

use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;

sub new
{
	my ($class, $node, $db, %o) = @_;
	my $self = bless {
		in => '',
		out => '',
		err => '',
		seq => 0,
		timeout_secs => $o{timeout} // $PostgreSQL::Test::Utils::timeout_default,
	}, $class;
	$self->{timeout} = IPC::Run::timeout($self->{timeout_secs});
	my @cmd = (
		$node->installed_command('psql'), '-XAtq',
		'-v', 'ON_ERROR_STOP=0',
		'-d', $node->connstr($db), '-f', '-');
	$self->{run} = IPC::Run::start(\@cmd, '<', \$self->{in}, '>', \$self->{out},
		'2>', \$self->{err}, $self->{timeout});
	my ($pid) = $self->query('SELECT pg_backend_pid()');
	die "psql session did not connect: $self->{last_err}"
	  unless defined $pid && $pid =~ /^\d+$/;
	$self->{pid} = $pid;
	return $self;
}

sub pid { return $_[0]->{pid}; }

# Send SQL (one or more statements) without waiting; returns a ticket for
# wait().  Output already collected is dropped.
sub send
{
	my ($self, $sql) = @_;
	my $n = ++$self->{seq};
	$self->{out} = '';
	$self->{err} = '';
	$self->{timeout}->start($self->{timeout_secs});
	$self->{in} .= "$sql\n;\n\\echo '__pricing_done_$n'\n";
	$self->{run}->pump_nb;
	return $n;
}

# Wait until the statements of ticket $n are done, or psql has exited (the
# backend was terminated).  Returns (stdout, stderr, done): done is false when
# psql exited first.
sub wait
{
	my ($self, $n) = @_;
	my $marker = qr/__pricing_done_$n\n/;
	my $done = 0;
	while (1)
	{
		if ($self->{out} =~ $marker)
		{
			$done = 1;
			last;
		}
		if ($self->{timeout}->is_expired)
		{
			diag("psql session $self->{pid}: timed out waiting for statement $n;"
				  . " stderr: $self->{err}");
			last;
		}
		last unless $self->{run}->pumpable;
		$self->{run}->pump;
	}
	my $out = $self->{out};
	$out =~ s/\n?__pricing_done_$n\n//;
	chomp $out;
	$self->{last_err} = $self->{err};
	return ($out, $self->{err}, $done);
}

sub query
{
	my ($self, $sql) = @_;
	return $self->wait($self->send($sql));
}

# Whether psql still runs (false once its backend was terminated and it
# exited).
sub alive
{
	my ($self) = @_;
	$self->{run}->pump_nb if $self->{run}->pumpable;
	return $self->{run}->pumpable;
}

sub quit
{
	my ($self) = @_;
	if ($self->alive)
	{
		$self->{in} .= "\\q\n";
	}
	eval { $self->{run}->finish; };
	return $self->{run}->result;
}

package PricingMemory;

# Start $n reader clients, each a psql session whose one DO block calls
# pricing.cheapest without pause for its own stay in $city until
# stop_readers() sets a flag (or the deadline passes), and counts the calls
# and the answers that differ from what the index answered before the load
# started (which the caller checks against the reference).  Answers are
# compared as cheapest_query() spells them: "hotel:room:total,...".
# Returns an object for stop_readers().
sub start_readers
{
	my ($node, $db, %o) = @_;
	my $n = $o{clients} // 3;
	my $city = $o{city} // die 'city';
	my $deadline = $o{deadline_secs} // 600;
	$node->safe_psql($db,
		'CREATE TABLE IF NOT EXISTS pricing_test_readers_stop (stop boolean); '
		  . 'TRUNCATE pricing_test_readers_stop');
	my @clients;
	for my $i (1 .. $n)
	{
		# a stay per client: 3 nights from day 2 + i
		my %stay = (city => $city, from => 1 + $i, to => 4 + $i, max_results => 10);
		my $expected = $node->safe_psql($db, PricingTest::cheapest_query(%stay));
		die "reader $i: the index answers nothing for its stay" if $expected eq '';
		my $q = PricingTest::cheapest_query(%stay);
		my $s = psql_session($node, $db, timeout => $deadline + 60);
		my $ticket = $s->send(qq{
DO \$reader\$
DECLARE
	calls bigint := 0;
	wrong bigint := 0;
	got text;
	deadline timestamptz := clock_timestamp() + interval '$deadline seconds';
BEGIN
	LOOP
		EXIT WHEN calls % 16 = 0
			AND (EXISTS (SELECT FROM pricing_test_readers_stop)
				 OR clock_timestamp() > deadline);
		$q INTO got;
		IF got IS DISTINCT FROM '$expected' THEN
			wrong := wrong + 1;
			IF wrong <= 3 THEN
				RAISE WARNING 'reader $i: wrong answer %', got;
			END IF;
		END IF;
		calls := calls + 1;
	END LOOP;
	RAISE NOTICE 'reader $i: % calls, % wrong', calls, wrong;
END
\$reader\$});
		push @clients,
		  { id => $i, session => $s, ticket => $ticket, expected => $expected };
	}

	# wait until every client is inside its loop
	my $pids = join(',', map { $_->{session}->pid } @clients);
	my $ok = $node->poll_query_until($db,
		"SELECT count(*) FROM pg_stat_activity WHERE pid IN ($pids) AND state = 'active'",
		$n);
	die "the reader clients did not start" unless $ok;
	return { node => $node, db => $db, clients => \@clients, pids => $pids };
}

# How many reader clients are running their loop right now.
sub readers_active
{
	my ($r) = @_;
	return $r->{node}->safe_psql($r->{db},
		"SELECT count(*) FROM pg_stat_activity WHERE pid IN ($r->{pids}) AND state = 'active'"
	);
}

# Stop the readers; returns a list of { id, calls, wrong, ok, err } (ok: the
# DO block ended without error).
sub stop_readers
{
	my ($r) = @_;
	$r->{node}->safe_psql($r->{db},
		'INSERT INTO pricing_test_readers_stop VALUES (true)');
	my @res;
	for my $c (@{ $r->{clients} })
	{
		my ($out, $err, $done) = $c->{session}->wait($c->{ticket});
		my %res = (id => $c->{id}, ok => 0, calls => 0, wrong => undef, err => $err);
		if ($done && $err =~ /reader \d+: (\d+) calls, (\d+) wrong/)
		{
			$res{calls} = $1;
			$res{wrong} = $2;
			$res{ok} = $err !~ /ERROR|FATAL/;
		}
		$c->{session}->quit;
		push @res, \%res;
	}
	return @res;
}

1;
