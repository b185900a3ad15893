/*-------------------------------------------------------------------------
 *
 * booking.c
 *		pricing.book and pricing.cancel: booking at the quoted price, on the
 *		source tables, in the caller's transaction.
 *
 * A search answers from the index, which may lag the tables by a refresh;
 * a booking must not.  So book() never reads the index.  It locks the rate
 * rows of the stay's nights, in stay_date order (two bookings that share
 * nights take their locks in the same order, so they queue instead of
 * deadlocking), and only then loads the hotel from the tables, as the
 * refresh worker loads a changed hotel (load.c, into this backend's own
 * memory), and prices the offer with the index's own arithmetic (price.c,
 * scan.c): one implementation of the price serves searches and bookings.
 * In READ COMMITTED the load takes a snapshot after the locks, so it sees
 * every booking that committed before; in REPEATABLE READ and SERIALIZABLE
 * a concurrent booking of the same nights fails the lock with 40001, as
 * PostgreSQL's own row locks do.
 *
 * Then: an offer that is not eligible is refused with PR001 and explain's
 * reason; a total other than the one the caller expects with PR002 and the
 * current total; else each night's availability goes down by one, the
 * booking is inserted, and its id returned.  Its changes reach the index
 * like any other committed change (changes.c).
 *
 * Both functions are SECURITY DEFINER, owned by the extension's owner,
 * with search_path set to pg_catalog, pg_temp by their definitions (the
 * loader's queries rely on it, as the refresh worker's do), and every
 * statement here qualifies its tables and operators as well: members of
 * pricing_booker book without any right on the tables, and nothing they
 * put on a search path runs with the owner's rights.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"

#include "pricing.h"

PG_FUNCTION_INFO_V1(pricing_book);
PG_FUNCTION_INFO_V1(pricing_cancel);

/* this backend's plans of the statements below, prepared on first use */
static SPIPlanPtr kept[6];

/* the SQLSTATEs of section 9 of the contract */
#define ERRCODE_PRICING_NOT_AVAILABLE	MAKE_SQLSTATE('P','R','0','0','1')
#define ERRCODE_PRICING_PRICE_CHANGED	MAKE_SQLSTATE('P','R','0','0','2')
#define ERRCODE_PRICING_CANCELLED		MAKE_SQLSTATE('P','R','0','0','3')

/* what book() is asked for */
typedef struct BookingRequest
{
	int64		hotel_id;
	int32		room_id;
	int32		plan_id;
	DateADT		checkin;
	DateADT		checkout;
	int32		adults;
	ArrayType  *children;
	Numeric		expected_total;
	text	   *reference;		/* or NULL */
	PricingStay stay;
	PricingParty party;
} BookingRequest;

/* the offer found for it in the tables */
typedef struct BookingOffer
{
	int128		total;			/* cents, in the hotel's currency */
	char		currency[4];
	DateADT		free_cancel_until;	/* DATEVAL_NOBEGIN: none */
} BookingOffer;

static int64 repeated_booking(const BookingRequest *req);
static void lock_nights(int64 hotel_id, int32 room_id, DateADT checkin,
						DateADT checkout);
static void price_offer(const BookingRequest *req, BookingOffer *offer);
static void refuse_offer(const BookingRequest *req, const PricingHotel *h,
						 const PricingStay *stay, bool in_window);
static void check_total(const BookingRequest *req, const BookingOffer *offer);
static void change_availability(int64 hotel_id, int32 room_id,
								DateADT checkin, DateADT checkout,
								int delta, int32 nights);
static int64 insert_booking(const BookingRequest *req,
							const BookingOffer *offer);
static int	run_kept(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types,
					 Datum *values, const char *nulls, long count);

/*
 * pricing.book(hotel_id, room_id, plan_id, checkin, checkout, adults,
 *				children, expected_total, reference, booking_date)
 */
Datum
pricing_book(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"hotel_id", "room_id", "plan_id", "checkin", "checkout", "adults",
		"children", "expected_total", NULL, "booking_date"
	};
	BookingRequest req;
	BookingOffer offer;
	int64		booking_id;

	pricing_require_args(fcinfo, args, lengthof(args));
	memset(&req, 0, sizeof(req));
	req.hotel_id = PG_GETARG_INT64(0);
	req.room_id = PG_GETARG_INT32(1);
	req.plan_id = PG_GETARG_INT32(2);
	req.checkin = PG_GETARG_DATEADT(3);
	req.checkout = PG_GETARG_DATEADT(4);
	req.adults = PG_GETARG_INT32(5);
	req.children = PG_GETARG_ARRAYTYPE_P(6);
	req.expected_total = PG_GETARG_NUMERIC(7);
	req.reference = PG_ARGISNULL(8) ? NULL : PG_GETARG_TEXT_PP(8);
	pricing_check_stay(req.checkin, req.checkout, PG_GETARG_DATEADT(9), &req.stay);
	pricing_check_party(req.adults, "adults", req.children, &req.party);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * The locks first: a booking with the same reference for the same
	 * nights that commits meanwhile is then seen, not booked again.
	 */
	lock_nights(req.hotel_id, req.room_id, req.checkin, req.checkout);
	booking_id = repeated_booking(&req);
	if (booking_id == 0)
	{
		price_offer(&req, &offer);
		check_total(&req, &offer);
		change_availability(req.hotel_id, req.room_id, req.checkin,
							req.checkout, -1, req.stay.nights);
		booking_id = insert_booking(&req, &offer);
	}

	SPI_finish();
	PG_RETURN_INT64(booking_id);
}

/*
 * With a reference: the booking already made with it for the same stay
 * (a retry after a lost reply books nothing twice), or 0 when there is
 * none; a booking with that reference for anything else is an error.
 */
static int64
repeated_booking(const BookingRequest *req)
{
	Oid			types[8] = {TEXTOID, INT8OID, INT4OID, INT4OID, DATEOID,
	DATEOID, INT4OID, INT4ARRAYOID};
	Datum		values[8];
	int64		id;
	bool		same;
	bool		isnull;

	if (req->reference == NULL)
		return 0;
	values[0] = PointerGetDatum(req->reference);
	values[1] = Int64GetDatum(req->hotel_id);
	values[2] = Int32GetDatum(req->room_id);
	values[3] = Int32GetDatum(req->plan_id);
	values[4] = DateADTGetDatum(req->checkin);
	values[5] = DateADTGetDatum(req->checkout);
	values[6] = Int32GetDatum(req->adults);
	values[7] = PointerGetDatum(req->children);
	if (run_kept(&kept[0], "SELECT b.booking_id,"
				 " b.hotel_id OPERATOR(pg_catalog.=) $2"
				 " AND b.room_id OPERATOR(pg_catalog.=) $3"
				 " AND b.plan_id OPERATOR(pg_catalog.=) $4"
				 " AND b.checkin OPERATOR(pg_catalog.=) $5"
				 " AND b.checkout OPERATOR(pg_catalog.=) $6"
				 " AND b.adults OPERATOR(pg_catalog.=) $7"
				 " AND b.children OPERATOR(pg_catalog.=) $8"
				 " AND b.cancelled_at IS NULL"
				 " FROM pricing.booking AS b"
				 " WHERE b.reference OPERATOR(pg_catalog.=) $1",
				 8, types, values, NULL, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the booking's reference");
	if (SPI_processed == 0)
		return 0;
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, 1, &isnull));
	same = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 2, &isnull));
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("reference \"%s\" is already used by booking " INT64_FORMAT,
						text_to_cstring(req->reference), id),
				 errdetail("That booking is for another offer or stay, or was cancelled."),
				 errhint("A reference names one booking; repeating a call with it returns that booking.")));
	return id;
}

/*
 * Lock the rate rows of the room's nights checkin .. checkout - 1, in
 * stay_date order.
 */
static void
lock_nights(int64 hotel_id, int32 room_id, DateADT checkin, DateADT checkout)
{
	Oid			types[4] = {INT8OID, INT4OID, DATEOID, DATEOID};
	Datum		values[4];

	values[0] = Int64GetDatum(hotel_id);
	values[1] = Int32GetDatum(room_id);
	values[2] = DateADTGetDatum(checkin);
	values[3] = DateADTGetDatum(checkout);
	if (run_kept(&kept[1], "SELECT 1 FROM pricing.rate AS r"
				 " WHERE r.hotel_id OPERATOR(pg_catalog.=) $1"
				 " AND r.room_id OPERATOR(pg_catalog.=) $2"
				 " AND r.stay_date OPERATOR(pg_catalog.>=) $3"
				 " AND r.stay_date OPERATOR(pg_catalog.<) $4"
				 " ORDER BY r.stay_date FOR UPDATE",
				 4, types, values, NULL, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the stay's nights");
}

/*
 * Load the hotel from the tables as they are now (a snapshot taken after
 * the locks) and price the offer asked for, or refuse it.  The hotel is
 * loaded over the window a refresh would load now, so that book() offers
 * exactly what the index would after the next refresh.
 */
static void
price_offer(const BookingRequest *req, BookingOffer *offer)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "pricing booking",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	PricingIndex base;
	PricingIndex *index;
	const PricingHotel *h;
	PricingStay stay = req->stay;
	PricingOfferRow *rows = NULL;
	int			nrows = 0;
	bool		in_window;

	/*
	 * As the refresh worker does before it reads with the owner's rights:
	 * the tables must be the extension's, owned by its owner (who owns
	 * this function, and whose rights it runs with).
	 */
	{
		Oid			nsp;

		(void) pricing_extension_owner(&nsp);
		pricing_check_source_tables(GetUserId(), nsp);
	}

	/*
	 * The window a refresh would load now, yesterday on: a stay outside it
	 * has no offer in the index, so none here either.  The hotel itself is
	 * loaded over the stay's nights alone, and the night of its checkout
	 * (closed to departure) when the window has it: the prices, runs and
	 * rules of those nights are all an offer of this stay depends on.
	 */
	memset(&base, 0, sizeof(base));
	base.first_date = pricing_today(GetCurrentTransactionStartTimestamp()) - 1;
	base.ndays = pricing_horizon_days + 2;
	in_window = pricing_stay_in_window(&base, &stay);
	if (in_window)
	{
		base.first_date = req->checkin;
		base.ndays = Min(stay.nights + 1, stay.ndays - stay.first);
	}

	PushActiveSnapshot(GetTransactionSnapshot());
	index = pricing_load_hotels(cxt, &base, &req->hotel_id, 1);
	PopActiveSnapshot();

	h = pricing_index_hotel(index, req->hotel_id);
	if (in_window)
		(void) pricing_stay_in_window(index, &stay);
	if (h != NULL && in_window)
		nrows = pricing_scan_hotel(h, &stay, &req->party, false, &rows);
	for (int i = 0; i < nrows; i++)
	{
		if (rows[i].room_id != req->room_id || rows[i].plan->plan_id != req->plan_id)
			continue;
		offer->total = rows[i].price.total;
		strlcpy(offer->currency, text_to_cstring(h->currency), sizeof(offer->currency));
		offer->free_cancel_until = pricing_free_cancel_until(rows[i].plan, &stay);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(cxt);
		return;
	}
	refuse_offer(req, h, &stay, in_window);
}

/* PR001, with explain's reason for the room and plan asked for */
static void
refuse_offer(const BookingRequest *req, const PricingHotel *h,
			 const PricingStay *stay, bool in_window)
{
	PricingExplainRow *rows = NULL;
	int			nrows;

	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PRICING_NOT_AVAILABLE),
				 errmsg("offer not available"),
				 errdetail("Hotel " INT64_FORMAT " does not exist.", req->hotel_id)));
	nrows = pricing_explain_hotel(h, stay, in_window, &req->party, &rows);
	for (int i = 0; i < nrows; i++)
	{
		if (rows[i].room_id != req->room_id || rows[i].plan_id != req->plan_id)
			continue;
		if (rows[i].night != DATEVAL_NOBEGIN)
			ereport(ERROR,
					(errcode(ERRCODE_PRICING_NOT_AVAILABLE),
					 errmsg("offer not available"),
					 errdetail("The reason is %s, on the night of %s.",
							   pricing_reason_name(rows[i].reason),
							   DatumGetCString(DirectFunctionCall1(date_out,
																   DateADTGetDatum(rows[i].night))))));
		ereport(ERROR,
				(errcode(ERRCODE_PRICING_NOT_AVAILABLE),
				 errmsg("offer not available"),
				 errdetail("The reason is %s.", pricing_reason_name(rows[i].reason))));
	}
	ereport(ERROR,
			(errcode(ERRCODE_PRICING_NOT_AVAILABLE),
			 errmsg("offer not available"),
			 errdetail("Hotel " INT64_FORMAT " has no room %d sold under plan %d.",
					   req->hotel_id, req->room_id, req->plan_id)));
}

/* PR002 unless the offer costs what the caller expects */
static void
check_total(const BookingRequest *req, const BookingOffer *offer)
{
	Datum		total = pricing_cents_numeric(offer->total);

	if (DatumGetBool(DirectFunctionCall2(numeric_eq, total,
										 NumericGetDatum(req->expected_total))))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PRICING_PRICE_CHANGED),
			 errmsg("price changed"),
			 errdetail("The offer costs %s %s now; %s was expected.",
					   DatumGetCString(DirectFunctionCall1(numeric_out, total)),
					   offer->currency,
					   DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(req->expected_total)))),
			 errhint("Search again, and book at the new price.")));
}

/*
 * Add delta to the availability of the room's nights checkin ..
 * checkout - 1, which the caller has locked; unless nights < 0, all of
 * them must be there.
 */
static void
change_availability(int64 hotel_id, int32 room_id, DateADT checkin,
					DateADT checkout, int delta, int32 nights)
{
	Oid			types[5] = {INT8OID, INT4OID, DATEOID, DATEOID, INT4OID};
	Datum		values[5];

	values[0] = Int64GetDatum(hotel_id);
	values[1] = Int32GetDatum(room_id);
	values[2] = DateADTGetDatum(checkin);
	values[3] = DateADTGetDatum(checkout);
	values[4] = Int32GetDatum(delta);
	if (run_kept(&kept[2], "UPDATE pricing.rate AS r"
				 " SET available = r.available OPERATOR(pg_catalog.+) $5"
				 " WHERE r.hotel_id OPERATOR(pg_catalog.=) $1"
				 " AND r.room_id OPERATOR(pg_catalog.=) $2"
				 " AND r.stay_date OPERATOR(pg_catalog.>=) $3"
				 " AND r.stay_date OPERATOR(pg_catalog.<) $4",
				 5, types, values, NULL, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not change the stay's availability");
	if (nights >= 0 && SPI_processed != (uint64) nights)
		ereport(ERROR,
				(errcode(ERRCODE_PRICING_NOT_AVAILABLE),
				 errmsg("offer not available"),
				 errdetail("Room %d of hotel " INT64_FORMAT " has a rate for %llu of the stay's %d nights.",
						   room_id, hotel_id, (unsigned long long) SPI_processed, nights)));
}

/* insert the booking; returns its id */
static int64
insert_booking(const BookingRequest *req, const BookingOffer *offer)
{
	Oid			types[11] = {INT8OID, INT4OID, INT4OID, DATEOID, DATEOID,
		INT4OID, INT4ARRAYOID, NUMERICOID, TEXTOID, DATEOID, TEXTOID};
	Datum		values[11];
	char		nulls[11];
	bool		isnull;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(req->hotel_id);
	values[1] = Int32GetDatum(req->room_id);
	values[2] = Int32GetDatum(req->plan_id);
	values[3] = DateADTGetDatum(req->checkin);
	values[4] = DateADTGetDatum(req->checkout);
	values[5] = Int32GetDatum(req->adults);
	values[6] = PointerGetDatum(req->children);
	values[7] = pricing_cents_numeric(offer->total);
	values[8] = CStringGetTextDatum(offer->currency);
	values[9] = DateADTGetDatum(offer->free_cancel_until);
	if (offer->free_cancel_until == DATEVAL_NOBEGIN)
		nulls[9] = 'n';
	values[10] = req->reference ? PointerGetDatum(req->reference) : (Datum) 0;
	if (req->reference == NULL)
		nulls[10] = 'n';
	if (run_kept(&kept[3], "INSERT INTO pricing.booking (hotel_id, room_id, plan_id,"
				 " checkin, checkout, adults, children, total, currency,"
				 " free_cancel_until, reference)"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
				 " RETURNING booking_id",
				 11, types, values, nulls, 1) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not insert the booking");
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * pricing.cancel(booking_id): mark the booking cancelled, give each night
 * back, and return the refund: the total until free_cancel_until, else 0.
 */
Datum
pricing_cancel(PG_FUNCTION_ARGS)
{
	int64		booking_id;
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	int64		hotel_id;
	int32		room_id;
	DateADT		checkin;
	DateADT		checkout;
	Datum		total;
	Datum		until;
	bool		no_until;
	Datum		refund;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"booking_id\" must not be null")));
	booking_id = PG_GETARG_INT64(0);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	values[0] = Int64GetDatum(booking_id);
	if (run_kept(&kept[4], "SELECT b.hotel_id, b.room_id, b.checkin, b.checkout,"
				 " b.total, b.free_cancel_until, b.cancelled_at IS NOT NULL"
				 " FROM pricing.booking AS b"
				 " WHERE b.booking_id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				 1, types, values, NULL, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the booking");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("booking " INT64_FORMAT " does not exist", booking_id)));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	if (DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_PRICING_CANCELLED),
				 errmsg("booking " INT64_FORMAT " is already cancelled", booking_id)));
	hotel_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	room_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	checkin = DatumGetDateADT(SPI_getbinval(tup, desc, 3, &isnull));
	checkout = DatumGetDateADT(SPI_getbinval(tup, desc, 4, &isnull));
	total = SPI_datumTransfer(SPI_getbinval(tup, desc, 5, &isnull), false, -1);
	until = SPI_getbinval(tup, desc, 6, &no_until);

	/* a refund while the free cancellation lasts, as of today */
	refund = !no_until &&
		GetSQLCurrentDate() <= DatumGetDateADT(until) ? total :
		DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	refund = DirectFunctionCall2(numeric_round, refund, Int32GetDatum(2));

	lock_nights(hotel_id, room_id, checkin, checkout);
	/* nights deleted since are not given back: they no longer exist */
	change_availability(hotel_id, room_id, checkin, checkout, 1, -1);
	if (run_kept(&kept[5], "UPDATE pricing.booking AS b"
				 " SET cancelled_at = pg_catalog.now()"
				 " WHERE b.booking_id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not cancel the booking");

	refund = SPI_datumTransfer(refund, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(refund);
}


/* run one of this file's fixed statements through its kept plan */
static int
run_kept(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types,
		 Datum *values, const char *nulls, long count)
{
	return SPI_execute_plan(pricing_kept_plan(plan, sql, nargs, types, 0),
							values, nulls, false, count);
}
