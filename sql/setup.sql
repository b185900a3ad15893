--
-- setup: create the extension.  Every later file loads its own data (with
-- its own hotel_id range and city names) and waits for it with
-- pricing.refresh(true).
--
CREATE EXTENSION pricing;

-- The refresh worker loads the first generation asynchronously; refresh(true)
-- returns once a generation with everything committed so far is serving.
SELECT pricing.refresh(true) > 0;

-- The index serves this database, and it is empty.
SELECT generation > 0 AS loaded, hotels, rooms, rates, last_error
FROM pricing.status;

--
-- expect_error runs a statement and shows 'SQLSTATE: message' of the error
-- it raises, or 'no error'.
--
CREATE FUNCTION expect_error(statement text) RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

