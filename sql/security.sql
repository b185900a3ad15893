--
-- security: what the extension lets each role do, and what it refuses.
--
-- 1. The change trigger's function: no EXECUTE for PUBLIC, and it fires on
--    the source tables only, whatever table a superuser attaches it to.
-- 2. Row-level security: a caller to whom a policy on a source table
--    applies is refused prices (the index holds every row).
-- 3. Who sees what in pricing.status and pricing.generations.
-- 4. pricing.refresh(true) inside a transaction that holds a lock the
--    worker needs: an error, never a wait without end.
-- 5. Every CHECK constraint of the source tables is checked by the refresh
--    when it has been dropped (and the list of them is complete).
-- 6. CREATE EXTENSION refuses roles and a schema it did not make, when they
--    could widen rights.
-- 7. The functions of 1.2 that run with the owner's rights (book, cancel,
--    has_hotel): SECURITY DEFINER with a pinned search_path, and no
--    EXECUTE for PUBLIC.
--
-- Hotels 9001.. in 'Securia'.
--
INSERT INTO pricing.hotel (hotel_id, city, name, stars, vat_percent) VALUES
  (9001, 'Securia', 'Open', 3, 10),
  (9002, 'Securia', 'Closed', 5, 10);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (9001, 1, 'double', 2), (9002, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT h, 1, current_date + k, 100.00 + h - 9001
  FROM generate_series(9001, 9002) AS h, generate_series(0, 20) AS k;
SELECT pricing.refresh(true) > 0 AS refreshed;

CREATE ROLE regress_sec_nobody;
CREATE ROLE regress_sec_reader IN ROLE pricing_reader;
CREATE ROLE regress_sec_admin IN ROLE pricing_admin;
CREATE ROLE regress_sec_stats IN ROLE pg_read_all_stats;

--
-- 1. pricing.source_changed()
--
SELECT has_function_privilege('public', 'pricing.source_changed()', 'EXECUTE')
  AS public_may_execute;
CREATE TABLE public.sec_own (x int);
ALTER TABLE public.sec_own OWNER TO regress_sec_nobody;
SET ROLE regress_sec_nobody;
SELECT expect_error($$CREATE TRIGGER t AFTER INSERT ON public.sec_own
  FOR EACH STATEMENT EXECUTE FUNCTION pricing.source_changed()$$);
RESET ROLE;

-- attached by a superuser, it refuses every table that is not a source
-- table, in every way a trigger fires: a table of another schema with a
-- source table's name too
CREATE TABLE public.hotel (x int);
CREATE TABLE pricing.not_a_source (x int);
SELECT t AS "table", k AS kind,
       expect_error(format('CREATE TRIGGER sec_t %s ON %s %s EXECUTE FUNCTION pricing.source_changed(); %s',
                           k, t, CASE WHEN k LIKE '%TRUNCATE%' OR k LIKE 'AFTER%' THEN 'FOR EACH STATEMENT' ELSE 'FOR EACH ROW' END,
                           CASE WHEN k LIKE '%TRUNCATE%' THEN format('TRUNCATE %s', t)
                                ELSE format('INSERT INTO %s VALUES (1)', t) END)) AS fires
  FROM unnest(ARRAY['public.sec_own', 'public.hotel', 'pricing.not_a_source']) AS t,
       unnest(ARRAY['AFTER INSERT', 'BEFORE INSERT', 'AFTER INSERT OR TRUNCATE']) AS k
 ORDER BY 1, 2;
DROP TABLE public.sec_own, public.hotel, pricing.not_a_source;

-- the change triggers: statement triggers fire ALWAYS (logical replicas
-- too); so do the row triggers, which log the changed hotels for the
-- incremental refresh, and AFTER (a BEFORE row trigger locks every updated
-- row and keeps COPY from batching)
SELECT tgrelid::regclass AS "table", tgname,
       CASE WHEN tgtype & 1 = 1 THEN 'row' ELSE 'statement' END AS level,
       CASE WHEN tgtype & 2 = 2 THEN 'before' ELSE 'after' END AS timing,
       tgenabled AS enabled
  FROM pg_trigger
 WHERE tgfoid = 'pricing.source_changed()'::regprocedure
 ORDER BY 1, 2;

-- the change log: nobody but its owner has any privilege on it, yet a
-- writer of the source tables logs its changes (the trigger writes as the
-- owner), and they serve
SELECT r, p, has_table_privilege(r, 'pricing.change_log', p) AS granted
  FROM unnest(ARRAY['public', 'pricing_admin', 'pricing_reader']::name[]) AS r,
       unnest(ARRAY['SELECT', 'INSERT', 'DELETE']) AS p
 ORDER BY 1, 2;
SET ROLE regress_sec_admin;
SELECT expect_error($$SELECT * FROM pricing.change_log$$);
UPDATE pricing.rate SET price = price + 1 WHERE hotel_id = 9001;
RESET ROLE;
SELECT pricing.refresh(true) > 0;
SELECT total FROM pricing.quote(9001, current_date + 1, current_date + 2);
SET ROLE regress_sec_admin;
UPDATE pricing.rate SET price = price - 1 WHERE hotel_id = 9001;
RESET ROLE;
SELECT pricing.refresh(true) > 0;

--
-- 2. Row-level security
--
SET ROLE regress_sec_reader;
SELECT hotel_id, total FROM pricing.cheapest('Securia', current_date + 1, current_date + 2);
RESET ROLE;
ALTER TABLE pricing.hotel ENABLE ROW LEVEL SECURITY;
CREATE POLICY sec_open_only ON pricing.hotel FOR SELECT USING (name = 'Open');
SET ROLE regress_sec_reader;
-- the reader's own query sees one hotel; the index would show both: refused
SELECT hotel_id FROM pricing.hotel WHERE city = 'Securia';
SELECT expect_error($$SELECT * FROM pricing.cheapest('Securia', current_date + 1, current_date + 2)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(9002, current_date + 1, current_date + 2)$$);
RESET ROLE;
-- so is a member of pricing_admin, to whom the policy applies as well
SET ROLE regress_sec_admin;
SELECT expect_error($$SELECT * FROM pricing.quote(9001, current_date + 1, current_date + 2)$$);
RESET ROLE;
-- the owner (and a superuser) reads, and so does a role exempt from it
SELECT hotel_id, total FROM pricing.cheapest('Securia', current_date + 1, current_date + 2);
-- on every source table, with or without a policy (no policy hides all)
ALTER TABLE pricing.hotel DISABLE ROW LEVEL SECURITY;
DROP POLICY sec_open_only ON pricing.hotel;
SELECT t AS "table",
       (SELECT expect_error(format($q$ALTER TABLE pricing.%s ENABLE ROW LEVEL SECURITY;
                                     SET LOCAL ROLE regress_sec_reader;
                                     SELECT * FROM pricing.quote(9001, current_date + 1, current_date + 2)$q$, t)))
         AS reader_reads
  FROM unnest(ARRAY['hotel', 'room', 'rate', 'discount', 'fee']) AS t;
-- (each case rolled back with its error: row security is off again)
SELECT bool_or(relrowsecurity) AS any_rls FROM pg_class
 WHERE relnamespace = 'pricing'::regnamespace;
SET ROLE regress_sec_reader;
SELECT hotel_id, total FROM pricing.cheapest('Securia', current_date + 1, current_date + 2);
RESET ROLE;

--
-- 3. pricing.status and pricing.generations, as each role sees them:
-- everything, the index without its readers and errors, or nothing
--
CREATE FUNCTION sec_view(who name) RETURNS TABLE (role name, index_seen boolean,
  counts_seen boolean, worker_pid_seen boolean, last_error text, database name,
  state_seen boolean, generations_seen boolean, reader_pids_seen boolean)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET LOCAL ROLE %I', who);
  RETURN QUERY
  SELECT who, s.generation IS NOT NULL, s.hotels IS NOT NULL AND s.refreshes IS NOT NULL,
         s.worker_pid IS NOT NULL, s.last_error, s.database, s.worker_state IS NOT NULL,
         (SELECT count(*) > 0 FROM pricing.generations()),
         (SELECT bool_and(g.reader_pids IS NOT NULL) FROM pricing.generations() g)
    FROM pricing.status s;
END
$$;
SELECT v.* FROM unnest(ARRAY['regress_sec_nobody', 'regress_sec_reader',
                             'regress_sec_admin', 'regress_sec_stats', current_user]::name[]) AS r,
     sec_view(r) AS v;

-- a failed refresh: its error may quote rows, so only some see it
ALTER TABLE pricing.discount DROP CONSTRAINT discount_min_days_ahead_check;
INSERT INTO pricing.discount (hotel_id, percent, min_days_ahead) VALUES (9001, 50, -3);
SELECT expect_error($$SELECT pricing.refresh(true)$$);
SELECT v.role, v.last_error FROM unnest(ARRAY['regress_sec_nobody', 'regress_sec_reader',
                             'regress_sec_admin', 'regress_sec_stats']::name[]) AS r,
     sec_view(r) AS v;
-- the old generation serves: no 50 % discount
SELECT hotel_id, total FROM pricing.cheapest('Securia', current_date + 1, current_date + 2);
DELETE FROM pricing.discount WHERE hotel_id = 9001;
ALTER TABLE pricing.discount ADD CONSTRAINT discount_min_days_ahead_check CHECK (min_days_ahead >= 0);
SELECT pricing.refresh(true) > 0 AS refreshed;

--
-- 4. refresh(true) in a transaction holding a lock the refresh needs: on
-- every relation of the extension, tables and their indexes alike (the
-- refresh reads pricing.rate without its index: holding rate_pkey does not
-- stop it; nor does pricing.booking, which it does not read)
--
SET statement_timeout = '60s';		-- a hang fails the test instead of hanging it
SELECT c.relname, c.relkind,
       expect_error(format(CASE c.relkind WHEN 'r' THEN 'LOCK TABLE pricing.%I IN ACCESS EXCLUSIVE MODE'
                                          ELSE 'REINDEX INDEX pricing.%I' END, c.relname)
                    || '; SELECT pricing.refresh(true)') AS refresh_waits
  FROM pg_class c
 WHERE c.relnamespace = 'pricing'::regnamespace AND c.relkind IN ('r', 'i')
 ORDER BY 1;
-- and the statements that take such a lock
SELECT expect_error($$TRUNCATE pricing.discount; SELECT pricing.refresh(true)$$);
SELECT expect_error($$ALTER TABLE pricing.fee ADD COLUMN note text; SELECT pricing.refresh(true)$$);
-- refresh(false) does not wait, so it may be called there
BEGIN;
TRUNCATE pricing.discount;
SELECT pricing.refresh(false) > 0 AS asked;
ROLLBACK;
RESET statement_timeout;
SELECT pricing.refresh(true) > 0 AS refreshed;

--
-- 5. Every CHECK constraint the extension script creates is checked by the
-- refresh once dropped: for each, a row that breaks it makes the refresh
-- fail with 23514, naming the column; the old generation keeps serving.
-- A constraint without a breaking row below fails this test: add one.
--
CREATE TEMP TABLE sec_breaking (conname name PRIMARY KEY, breaking text, undo text);
INSERT INTO sec_breaking VALUES
  ('hotel_stars_check', 'UPDATE pricing.hotel SET stars = 6 WHERE hotel_id = 9001',
   'UPDATE pricing.hotel SET stars = 3 WHERE hotel_id = 9001'),
  ('hotel_vat_percent_check', 'UPDATE pricing.hotel SET vat_percent = 100.5 WHERE hotel_id = 9001',
   'UPDATE pricing.hotel SET vat_percent = 10 WHERE hotel_id = 9001'),
  ('hotel_city_tax_check', 'UPDATE pricing.hotel SET city_tax = -1 WHERE hotel_id = 9001',
   'UPDATE pricing.hotel SET city_tax = 0 WHERE hotel_id = 9001'),
  ('room_max_guests_check', 'UPDATE pricing.room SET max_guests = 0 WHERE hotel_id = 9001',
   'UPDATE pricing.room SET max_guests = 2 WHERE hotel_id = 9001'),
  ('room_base_guests_check', 'UPDATE pricing.room SET base_guests = 0 WHERE hotel_id = 9001',
   'UPDATE pricing.room SET base_guests = 2 WHERE hotel_id = 9001'),
  ('room_extra_guest_fee_check', 'UPDATE pricing.room SET extra_guest_fee = -1 WHERE hotel_id = 9001',
   'UPDATE pricing.room SET extra_guest_fee = 0 WHERE hotel_id = 9001'),
  ('rate_price_check', 'UPDATE pricing.rate SET price = -1 WHERE hotel_id = 9001 AND stay_date = current_date + 3',
   'UPDATE pricing.rate SET price = 100 WHERE hotel_id = 9001 AND stay_date = current_date + 3'),
  ('rate_available_check', 'UPDATE pricing.rate SET available = -1 WHERE hotel_id = 9001 AND stay_date = current_date + 3',
   'UPDATE pricing.rate SET available = 1 WHERE hotel_id = 9001 AND stay_date = current_date + 3'),
  ('rate_min_stay_check', 'UPDATE pricing.rate SET min_stay = 0 WHERE hotel_id = 9001 AND stay_date = current_date + 3',
   'UPDATE pricing.rate SET min_stay = 1 WHERE hotel_id = 9001 AND stay_date = current_date + 3'),
  ('discount_percent_check', 'INSERT INTO pricing.discount (hotel_id, percent) VALUES (9001, 101)',
   'DELETE FROM pricing.discount WHERE hotel_id = 9001'),
  ('discount_min_nights_check', 'INSERT INTO pricing.discount (hotel_id, percent, min_nights) VALUES (9001, 50, 0)',
   'DELETE FROM pricing.discount WHERE hotel_id = 9001'),
  ('discount_min_days_ahead_check', 'INSERT INTO pricing.discount (hotel_id, percent, min_days_ahead) VALUES (9001, 50, -3)',
   'DELETE FROM pricing.discount WHERE hotel_id = 9001'),
  ('fee_amount_check', $$INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (9001, 'f', -1, 'stay')$$,
   'DELETE FROM pricing.fee WHERE hotel_id = 9001'),
  ('fee_per_check', $$INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (9001, 'f', 1, 'month')$$,
   'DELETE FROM pricing.fee WHERE hotel_id = 9001'),
  ('hotel_ages_check', 'UPDATE pricing.hotel SET infant_age = 13 WHERE hotel_id = 9001',
   'UPDATE pricing.hotel SET infant_age = 2 WHERE hotel_id = 9001'),
  ('room_max_infants_check', 'UPDATE pricing.room SET max_infants = -1 WHERE hotel_id = 9001',
   'UPDATE pricing.room SET max_infants = 1 WHERE hotel_id = 9001'),
  ('room_extra_child_fee_check', 'UPDATE pricing.room SET extra_child_fee = -1 WHERE hotel_id = 9001',
   'UPDATE pricing.room SET extra_child_fee = NULL WHERE hotel_id = 9001'),
  ('rate_max_stay_check', 'UPDATE pricing.rate SET max_stay = 0 WHERE hotel_id = 9001 AND stay_date = current_date + 3',
   'UPDATE pricing.rate SET max_stay = NULL WHERE hotel_id = 9001 AND stay_date = current_date + 3'),
  ('rate_plan_plan_id_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board) VALUES (9001, -1, 'p', 'breakfast')$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_board_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board) VALUES (9001, 5, 'p', 'lunch')$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_board_fee_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board_fee) VALUES (9001, 5, 'p', -1)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_cancel_days_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, cancel_days) VALUES (9001, 5, 'p', -1)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_adjust_percent_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, adjust_percent) VALUES (9001, 5, 'p', -101)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_min_stay_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, min_stay) VALUES (9001, 5, 'p', 0)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_max_stay_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, max_stay) VALUES (9001, 5, 'p', 0)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_min_days_ahead_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, min_days_ahead) VALUES (9001, 5, 'p', -1)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_max_days_ahead_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, max_days_ahead) VALUES (9001, 5, 'p', -1)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('rate_plan_standard_check', $$INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, adjust_percent) VALUES (9001, 0, 'p', 10)$$,
   'DELETE FROM pricing.rate_plan WHERE hotel_id = 9001'),
  ('occupancy_occupants_check', 'INSERT INTO pricing.occupancy SELECT hotel_id, room_id, 0, 10 FROM pricing.room WHERE hotel_id = 9001',
   'DELETE FROM pricing.occupancy WHERE hotel_id = 9001'),
  ('occupancy_adjust_percent_check', 'INSERT INTO pricing.occupancy SELECT hotel_id, room_id, 1, -101 FROM pricing.room WHERE hotel_id = 9001',
   'DELETE FROM pricing.occupancy WHERE hotel_id = 9001'),
  ('exchange_rate_per_unit_check', $$INSERT INTO pricing.exchange_rate VALUES ('XXX', 0)$$,
   $$DELETE FROM pricing.exchange_rate WHERE currency = 'XXX'$$);
-- every CHECK constraint of a source table has a case, and every case a
-- constraint (pricing.booking is no source table: the refresh does not
-- read it)
SELECT coalesce(c.conname, b.conname) AS unmatched
  FROM (SELECT conname FROM pg_constraint
         WHERE contype = 'c' AND connamespace = 'pricing'::regnamespace
           AND conrelid <> 'pricing.booking'::regclass) c
  FULL JOIN sec_breaking b USING (conname)
 WHERE c.conname IS NULL OR b.conname IS NULL;
-- each case in transactions of its own: drop, break, refresh, mend, restore
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       b.breaking,
       format($f$SELECT %L AS constraint,
                 regexp_replace(expect_error(%L), '\d{4}-\d\d-\d\d', 'current_date + 3') AS refresh$f$,
              c.conname, 'SELECT pricing.refresh(true)'),
       'SELECT hotel_id, total FROM pricing.cheapest(''Securia'', current_date + 1, current_date + 4)',
       b.undo,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid))
  FROM pg_constraint c JOIN sec_breaking b USING (conname)
 WHERE c.contype = 'c' AND c.connamespace = 'pricing'::regnamespace
 ORDER BY c.conname \gexec
SELECT pricing.refresh(true) > 0 AS refreshed;

--
-- 6. CREATE EXTENSION in a new database, with the cluster's roles
--
CREATE DATABASE regress_sec_db;
\c regress_sec_db
CREATE FUNCTION expect_error(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- a role of the extension's that someone gave an attribute widening its
-- rights is not adopted (pricing_booker, of 1.2, too)
SELECT format('ALTER ROLE pricing_reader %s', a),
       format('SELECT %L AS attribute, expect_error(%L) AS create_extension', a,
              'CREATE EXTENSION pricing'),
       format('ALTER ROLE pricing_reader NO%s', a)
  FROM unnest(ARRAY['LOGIN', 'SUPERUSER', 'CREATEDB', 'CREATEROLE', 'REPLICATION', 'BYPASSRLS']) AS a \gexec
SELECT format('ALTER ROLE pricing_booker %s', a),
       format('SELECT %L AS attribute, expect_error(%L) AS create_extension', a,
              'CREATE EXTENSION pricing'),
       format('ALTER ROLE pricing_booker NO%s', a)
  FROM unnest(ARRAY['LOGIN', 'SUPERUSER', 'CREATEDB', 'CREATEROLE', 'REPLICATION', 'BYPASSRLS']) AS a \gexec
-- nor a schema "pricing" of a role that is no superuser, nor one where
-- others could have planted objects the script's names would resolve to
CREATE SCHEMA pricing AUTHORIZATION regress_sec_nobody;
SELECT expect_error('CREATE EXTENSION pricing') AS create_extension;
DROP SCHEMA pricing;
CREATE SCHEMA pricing;
GRANT CREATE ON SCHEMA pricing TO regress_sec_nobody;
SELECT expect_error('CREATE EXTENSION pricing') AS create_extension;
REVOKE CREATE ON SCHEMA pricing FROM regress_sec_nobody;
CREATE FUNCTION pricing.planted(numeric, integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR pricing.>= (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = pricing.planted);
SELECT expect_error('CREATE EXTENSION pricing') AS create_extension;
DROP SCHEMA pricing CASCADE;
-- with the roles as the extension makes them, it installs
CREATE EXTENSION pricing;
SELECT count(*) AS extension_roles_with_attributes FROM pg_roles
 WHERE rolname IN ('pricing_admin', 'pricing_reader', 'pricing_booker')
   AND (rolcanlogin OR rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls);
-- and makes no role that bypasses row security
SELECT count(*) AS pricing_roles_bypassing_rls FROM pg_roles
 WHERE rolname LIKE 'pricing%' AND rolbypassrls;
\c contrib_regression
DROP DATABASE regress_sec_db;

--
-- 7. book, cancel and has_hotel run as the extension's owner: each is
-- SECURITY DEFINER, owned by the extension's owner, with search_path
-- pinned to pg_catalog, pg_temp, a member of the extension, and not
-- executable by PUBLIC (no ACL entry for it: grantee 0)
--
SELECT p.oid::regprocedure AS function, p.prosecdef AS security_definer,
       p.proconfig, p.proowner = e.extowner AS owned_by_extension_owner,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
                  AND d.deptype = 'e') AS extension_member,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute,
       EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                WHERE a.grantee = 0) AS public_in_acl,
       (SELECT array_agg(a.grantee::regrole::text ORDER BY a.grantee::regrole::text)
          FROM aclexplode(p.proacl) a
         WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner) AS granted_to
  FROM pg_proc p, pg_extension e
 WHERE e.extname = 'pricing'
   AND p.oid IN ('pricing.book(bigint, int, int, date, date, int, int[], numeric, text, date)'::regprocedure,
                 'pricing.cancel(bigint)'::regprocedure,
                 'pricing.has_hotel(bigint)'::regprocedure)
 ORDER BY p.oid::regprocedure::text;
-- no other function of the extension runs with the owner's rights
SELECT p.oid::regprocedure AS security_definer_function
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                 AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pricing'
 WHERE p.prosecdef
 ORDER BY p.oid::regprocedure::text;
-- the role of 1.2 has no attribute, and pricing.booking is the extension's
SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication,
       rolbypassrls, rolinherit
  FROM pg_roles WHERE rolname = 'pricing_booker';
SELECT c.relname, c.relowner = e.extowner AS owned_by_extension_owner,
       c.relrowsecurity AS row_security,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
                  AND d.deptype = 'e') AS extension_member,
       c.oid = ANY (e.extconfig) AS dumped_by_pg_dump
  FROM pg_class c, pg_extension e
 WHERE e.extname = 'pricing' AND c.oid IN ('pricing.booking'::regclass,
                                            'pricing.booking_booking_id_seq'::regclass)
 ORDER BY 1;

DROP FUNCTION sec_view(name);
DROP TABLE sec_breaking;
DROP ROLE regress_sec_nobody, regress_sec_reader, regress_sec_admin, regress_sec_stats;
DELETE FROM pricing.hotel WHERE hotel_id BETWEEN 9001 AND 9099;
SELECT pricing.refresh(true) > 0 AS refreshed;
