--
-- errors: every error of the functions (doc/reference.md, "Errors"), with its SQLSTATE.
-- expect_error (setup.sql) shows 'SQLSTATE: message' of a statement's error.

-- A little data, so that the calls that are not errors have something to find.
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (4001, 'Errorville', 'Err');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (4001, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 4001, 1, current_date + k, 10.00 FROM generate_series(150, 190) AS k;
SELECT pricing.refresh(true) > 0;

--
-- 22023 invalid_parameter_value, the message names the argument
--
-- checkout <= checkin
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 150)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 151, current_date + 150)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 150)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 151, current_date + 150)$$);
-- guests < 1
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 0)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, -1)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151, 0)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151, -1)$$);
-- max_results < 0, max_results > 10000
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, -1)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, 10001)$$);
-- nights > pricing.max_nights (30 by default)
SHOW pricing.max_nights;
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 181)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 181)$$);

-- the bounds themselves are fine: 1 guest, 0 and 10000 results, 30 nights
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 1)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, 0)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, 10000)$$);
SELECT hotel_id, total FROM pricing.cheapest('Errorville', current_date + 150, current_date + 180);
SELECT room_id, nights, total FROM pricing.quote(4001, current_date + 150, current_date + 180);

--
-- 22004 null_value_not_allowed, the message names the argument
--
SELECT expect_error($$SELECT * FROM pricing.cheapest(NULL, current_date + 150, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', NULL, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, 10, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, 10, 0, NULL, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, booking_date => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(NULL, current_date + 150, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, NULL, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151, 2, NULL)$$);
-- max_total NULL means no bound: not an error
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2, 10, 0, NULL)$$);
SELECT hotel_id, total
FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, max_total => NULL);

-- As the user sees them
\set VERBOSITY default
SELECT * FROM pricing.cheapest('Errorville', current_date + 151, current_date + 150);
SELECT * FROM pricing.quote(NULL, current_date + 150, current_date + 151);
\set VERBOSITY sqlstate
SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 0);
SELECT * FROM pricing.cheapest(NULL, current_date + 150, current_date + 151);
\set VERBOSITY default

-- Infinite dates: checkout <= checkin, or far more nights than allowed
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, 'infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, '-infinity', current_date + 150)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', '-infinity', 'infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', 'infinity', 'infinity')$$);

-- More guests than any room takes, the extreme dates: no rows, no error
SELECT room_id, total FROM pricing.quote(4001, current_date + 150, current_date + 151, 2147483647);
SELECT hotel_id, total FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151, 2147483647);
SELECT room_id, total FROM pricing.quote(4001, '4713-01-01 BC', '4713-01-05 BC');
SELECT room_id, total FROM pricing.quote(4001, '5874897-12-27', '5874897-12-31');

-- Unknown city or hotel, dates outside the window: no rows, no error
SELECT expect_error($$SELECT * FROM pricing.cheapest('Nowhere', current_date + 150, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4999, current_date + 150, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 1000, current_date + 1001)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date - 1000, current_date - 999)$$);

--
-- 42501 insufficient_privilege
--
-- Reading prices requires SELECT on every source table (the index must not
-- be a way around table privileges; pricing_reader has it).  Refreshing is
-- for the extension owner, members of pricing_admin and superusers.
--
CREATE ROLE regress_pricing_nobody;
CREATE ROLE regress_pricing_reader;
CREATE ROLE regress_pricing_admin_member;
GRANT pricing_admin TO regress_pricing_admin_member;

-- no privileges: may neither read nor refresh, nor see the index in the
-- status (sql/security.sql has the rest of who sees what)
SET ROLE regress_pricing_nobody;
SELECT expect_error($$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151)$$);
SELECT expect_error($$SELECT pricing.refresh(true)$$);
SELECT expect_error($$SELECT pricing.refresh(false)$$);
SELECT expect_error($$SELECT pricing.refresh()$$);
SELECT generation IS NULL AS hidden, database FROM pricing.status;
-- as the user sees it
SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151);
SELECT pricing.refresh();
RESET ROLE;

-- a member of pricing_reader may read, not refresh
GRANT pricing_reader TO regress_pricing_reader;
SET ROLE regress_pricing_reader;
SELECT hotel_id, total FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151);
SELECT room_id, total FROM pricing.quote(4001, current_date + 150, current_date + 151);
SELECT expect_error($$SELECT pricing.refresh(true)$$);
RESET ROLE;
-- and may no longer read once the membership is revoked
REVOKE pricing_reader FROM regress_pricing_reader;
SET ROLE regress_pricing_reader;
SELECT expect_error($$SELECT * FROM pricing.quote(4001, current_date + 150, current_date + 151)$$);
RESET ROLE;

-- SELECT on some of the source tables is not enough: every one is needed.
-- The source tables are those whose changes refresh the index; for each,
-- SELECT on all the others is refused.
CREATE TEMP VIEW source_tables AS
  SELECT DISTINCT tgrelid::regclass AS t FROM pg_trigger
   WHERE tgfoid = 'pricing.source_changed()'::regprocedure;
SELECT count(*) AS source_tables FROM source_tables;
SELECT format('GRANT SELECT ON %s TO regress_pricing_nobody',
              (SELECT string_agg(o.t::text, ', ') FROM source_tables o WHERE o.t <> m.t)),
       'SET ROLE regress_pricing_nobody',
       format('SELECT %L AS without, expect_error(%L)', m.t,
              $$SELECT * FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151)$$),
       'RESET ROLE',
       'REVOKE SELECT ON ALL TABLES IN SCHEMA pricing FROM regress_pricing_nobody'
  FROM source_tables m ORDER BY m.t::text \gexec
SELECT format('GRANT SELECT ON %s TO regress_pricing_nobody', string_agg(t::text, ', '))
  FROM source_tables \gexec
SET ROLE regress_pricing_nobody;
SELECT hotel_id, total FROM pricing.cheapest('Errorville', current_date + 150, current_date + 151);
RESET ROLE;
REVOKE SELECT ON ALL TABLES IN SCHEMA pricing FROM regress_pricing_nobody;

-- a member of pricing_admin may refresh (and read)
SET ROLE regress_pricing_admin_member;
SELECT pricing.refresh(true) > 0;
SELECT pricing.refresh(false) > 0;
SELECT room_id, total FROM pricing.quote(4001, current_date + 150, current_date + 151);
RESET ROLE;

-- a superuser may (this session's user)
SELECT pricing.refresh(false) > 0;

DROP ROLE regress_pricing_nobody;
DROP ROLE regress_pricing_reader;
DROP ROLE regress_pricing_admin_member;
