/*-------------------------------------------------------------------------
 *
 * queries.c
 *		The SQL functions that answer from the index: search, offers,
 *		explain and the two calendars, and version 1.0's cheapest and
 *		quote.
 *
 * Each checks its arguments (doc/reference.md, "Functions"), pins the
 * serving generation, has the search over the index (scan.c) find the
 * answer, and puts the rows into a tuplestore in the backend's own memory,
 * then unpins: a pin never outlives one call (reader.c).  They run no SQL
 * and allocate nothing in the arena.  The pin comes before any shortcut,
 * so that a server without an index says so whatever is asked.
 *
 * cheapest and quote are 1.0's view of the model of 1.1: plan 0 only, all
 * guests adults, no conversion.
 *
 * Amounts leave the index as integer cents and become numeric with scale 2
 * through int64_div_fast_to_numeric.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/numeric.h"

#include "pricing.h"

PG_FUNCTION_INFO_V1(pricing_cheapest);
PG_FUNCTION_INFO_V1(pricing_quote);
PG_FUNCTION_INFO_V1(pricing_search);
PG_FUNCTION_INFO_V1(pricing_offers);
PG_FUNCTION_INFO_V1(pricing_explain);
PG_FUNCTION_INFO_V1(pricing_calendar);
PG_FUNCTION_INFO_V1(pricing_hotel_calendar);

/* the most check-in dates a calendar may span */
#define PRICING_CALENDAR_DATES	366

static const char *const board_names[PRICING_NBOARDS] = {
	"room_only", "breakfast", "half_board", "full_board", "all_inclusive"
};

/* explain's reasons, by PricingReason */
static const char *const reason_names[] = {
	"offered", "outside_window", "too_many_guests", "too_many_infants",
	"no_rate", "sold_out", "closed_to_arrival", "min_stay", "max_stay",
	"closed_to_departure", "plan_min_stay", "plan_max_stay",
	"booked_too_late", "booked_too_early"
};

static int32 check_max_results(int32 max_results);
static uint8 check_board(text *board);
static bool total_limit(FunctionCallInfo fcinfo, int argno, int128 *limit);
static void search_city(FunctionCallInfo fcinfo, const char *city,
						const PricingStay *stay, const PricingParty *party,
						PricingSearch *search, int32 max_results,
						bool limited, int128 limit, bool v10);
static void put_offers(FunctionCallInfo fcinfo, const PricingStay *stay,
					   const PricingParty *party, bool v10);
static inline Datum board_datum(const PricingPlan *plan);
static int32 check_calendar(DateADT first, DateADT last, int32 nights,
							DateADT booking_date, PricingStay *stay);
static bool calendar_in_window(const PricingIndex *index, DateADT first,
							   int32 ndates, PricingStay *stay);

/*
 * pricing.cheapest(city, checkin, checkout, guests, max_results, min_stars,
 *					max_total, booking_date)
 */
Datum
pricing_cheapest(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"city", "checkin", "checkout", "guests", "max_results", "min_stars",
		NULL, "booking_date"
	};
	PricingStay stay;
	PricingParty party;
	PricingSearch search = {0};
	int32		max_results;
	bool		limited;
	int128		limit = 0;

	pricing_require_args(fcinfo, args, lengthof(args));
	pricing_check_stay(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), PG_GETARG_DATEADT(7),
			   &stay);
	pricing_check_party(PG_GETARG_INT32(3), "guests", NULL, &party);
	max_results = check_max_results(PG_GETARG_INT32(4));
	limited = total_limit(fcinfo, 6, &limit);

	search.plan0_only = true;
	search.min_board = PRICING_BOARD_ROOM_ONLY;
	search.min_stars = PG_GETARG_INT32(5);
	search.fx = -1;
	search_city(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(0)), &stay, &party,
				&search, max_results, limited, limit, true);
	PG_RETURN_VOID();
}

/*
 * pricing.search(city, checkin, checkout, adults, children, max_results,
 *				  min_stars, max_total, currency, min_board,
 *				  free_cancellation, booking_date)
 */
Datum
pricing_search(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"city", "checkin", "checkout", "adults", "children", "max_results",
		"min_stars", NULL, NULL, "min_board", "free_cancellation",
		"booking_date"
	};
	PricingStay stay;
	PricingParty party;
	PricingSearch search = {0};
	int32		max_results;
	bool		limited;
	int128		limit = 0;

	pricing_require_args(fcinfo, args, lengthof(args));
	pricing_check_stay(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), PG_GETARG_DATEADT(11),
			   &stay);
	pricing_check_party(PG_GETARG_INT32(3), "adults", PG_GETARG_ARRAYTYPE_P(4), &party);
	max_results = check_max_results(PG_GETARG_INT32(5));
	limited = total_limit(fcinfo, 7, &limit);

	search.plan0_only = false;
	search.min_board = check_board(PG_GETARG_TEXT_PP(9));
	search.free_cancellation = PG_GETARG_BOOL(10);
	search.min_stars = PG_GETARG_INT32(6);
	search.fx = -1;
	search_city(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(0)), &stay, &party,
				&search, max_results, limited, limit, false);
	PG_RETURN_VOID();
}

/*
 * Answer cheapest (v10) or search: the best hotels of the city, a row each,
 * put into the result under the pin (names point into the index).
 */
static void
search_city(FunctionCallInfo fcinfo, const char *city, const PricingStay *stay_in,
			const PricingParty *party, PricingSearch *search, int32 max_results,
			bool limited, int128 limit, bool v10)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingStay stay = *stay_in;
	const PricingIndex *index;

	pricing_check_read_privilege();
	pricing_init_srf(fcinfo);

	index = pricing_pin(false);
	PG_TRY();
	{
		const PricingCity *c;
		bool		currency_ok = true;

		search->index = index;
		if (!v10 && !PG_ARGISNULL(8))
		{
			search->fx = pricing_index_currency(index, PG_GETARG_BPCHAR_PP(8));
			currency_ok = search->fx >= 0;
		}
		if (currency_ok && max_results > 0 && !(limited && limit < 0) &&
			pricing_stay_in_window(index, &stay) &&
			(c = pricing_index_city(index, city)) != NULL)
		{
			PricingCandidate *rows;
			int			nrows;

			nrows = pricing_scan_city(c, &stay, party, search, max_results,
									  limited, limit, &rows);
			for (int i = 0; i < nrows; i++)
			{
				Datum		values[10];
				bool		nulls[10] = {0};
				const PricingHotel *h = rows[i].hotel;
				const PricingPlan *plan = rows[i].plan;
				DateADT		until;

				values[0] = Int64GetDatum(h->hotel_id);
				values[1] = PointerGetDatum(h->name);
				values[2] = Int16GetDatum(h->stars);
				values[3] = Int32GetDatum(rows[i].room_id);
				if (v10)
				{
					values[4] = pricing_cents_numeric(rows[i].total);
					values[5] = PointerGetDatum(h->currency);
					tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
										 values, nulls);
					continue;
				}
				values[4] = Int32GetDatum(plan->plan_id);
				values[5] = PointerGetDatum(plan->name);
				values[6] = board_datum(plan);
				until = pricing_free_cancel_until(plan, &stay);
				values[7] = DateADTGetDatum(until);
				nulls[7] = until == DATEVAL_NOBEGIN;
				values[8] = pricing_cents_numeric(rows[i].total);
				values[9] = search->fx >= 0 ? PG_GETARG_DATUM(8) :
					PointerGetDatum(h->currency);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
									 values, nulls);
			}
		}
	}
	PG_FINALLY();
	{
		pricing_unpin();
	}
	PG_END_TRY();
}

/*
 * pricing.quote(hotel_id, checkin, checkout, guests, booking_date)
 */
Datum
pricing_quote(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"hotel_id", "checkin", "checkout", "guests", "booking_date"
	};
	PricingStay stay;
	PricingParty party;

	pricing_require_args(fcinfo, args, lengthof(args));
	pricing_check_stay(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), PG_GETARG_DATEADT(4),
			   &stay);
	pricing_check_party(PG_GETARG_INT32(3), "guests", NULL, &party);
	put_offers(fcinfo, &stay, &party, true);
	PG_RETURN_VOID();
}

/*
 * pricing.offers(hotel_id, checkin, checkout, adults, children, booking_date)
 */
Datum
pricing_offers(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"hotel_id", "checkin", "checkout", "adults", "children", "booking_date"
	};
	PricingStay stay;
	PricingParty party;

	pricing_require_args(fcinfo, args, lengthof(args));
	pricing_check_stay(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), PG_GETARG_DATEADT(5),
			   &stay);
	pricing_check_party(PG_GETARG_INT32(3), "adults", PG_GETARG_ARRAYTYPE_P(4), &party);
	put_offers(fcinfo, &stay, &party, false);
	PG_RETURN_VOID();
}

/*
 * Answer quote (v10: plan 0, its board fees among the fees) or offers:
 * every eligible offer of the hotel of argument 0, under the pin (plan
 * names point into the index).
 */
static void
put_offers(FunctionCallInfo fcinfo, const PricingStay *stay_in,
		   const PricingParty *party, bool v10)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingStay stay = *stay_in;
	int64		hotel_id = PG_GETARG_INT64(0);
	const PricingIndex *index;

	pricing_check_read_privilege();
	pricing_init_srf(fcinfo);

	index = pricing_pin(false);
	PG_TRY();
	{
		const PricingHotel *h = NULL;
		PricingOfferRow *rows = NULL;
		int			nrows = 0;

		if (pricing_stay_in_window(index, &stay) &&
			(h = pricing_index_hotel(index, hotel_id)) != NULL)
			nrows = pricing_scan_hotel(h, &stay, party, v10, &rows);

		for (int i = 0; i < nrows; i++)
		{
			Datum		values[15];
			bool		nulls[15] = {0};
			const PricingPrice *p = &rows[i].price;
			const PricingPlan *plan = rows[i].plan;
			DateADT		until;
			int			c = 0;

			values[c++] = Int32GetDatum(rows[i].room_id);
			if (!v10)
			{
				values[c++] = Int32GetDatum(plan->plan_id);
				values[c++] = PointerGetDatum(plan->name);
				values[c++] = board_datum(plan);
				until = pricing_free_cancel_until(plan, &stay);
				nulls[c] = until == DATEVAL_NOBEGIN;
				values[c++] = DateADTGetDatum(until);
			}
			values[c++] = Int32GetDatum(stay.nights);
			values[c++] = pricing_cents_numeric(p->base);
			values[c++] = pricing_cents_numeric(p->extra);
			values[c++] = pricing_cents_numeric(p->discount);
			if (v10)
				values[c++] = pricing_cents_numeric(p->board_fees + p->fees);
			else
			{
				values[c++] = pricing_cents_numeric(p->board_fees);
				values[c++] = pricing_cents_numeric(p->fees);
			}
			values[c++] = pricing_cents_numeric(p->vat);
			values[c++] = pricing_cents_numeric(p->city_tax);
			values[c++] = pricing_cents_numeric(p->total);
			if (!v10)
				values[c++] = PointerGetDatum(h->currency);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	PG_FINALLY();
	{
		pricing_unpin();
	}
	PG_END_TRY();
}

/*
 * pricing.explain(hotel_id, checkin, checkout, adults, children, booking_date)
 */
Datum
pricing_explain(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"hotel_id", "checkin", "checkout", "adults", "children", "booking_date"
	};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingStay stay;
	PricingParty party;
	int64		hotel_id;
	const PricingIndex *index;
	PricingExplainRow *rows = NULL;
	int			nrows = 0;

	pricing_require_args(fcinfo, args, lengthof(args));
	hotel_id = PG_GETARG_INT64(0);
	pricing_check_stay(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), PG_GETARG_DATEADT(5),
			   &stay);
	pricing_check_party(PG_GETARG_INT32(3), "adults", PG_GETARG_ARRAYTYPE_P(4), &party);

	pricing_check_read_privilege();
	pricing_init_srf(fcinfo);

	/* the rows are only numbers: find them under the pin, emit after */
	index = pricing_pin(false);
	PG_TRY();
	{
		const PricingHotel *h = pricing_index_hotel(index, hotel_id);

		if (h != NULL)
		{
			bool		in_window = pricing_stay_in_window(index, &stay);

			nrows = pricing_explain_hotel(h, &stay, in_window, &party, &rows);
		}
	}
	PG_FINALLY();
	{
		pricing_unpin();
	}
	PG_END_TRY();

	for (int i = 0; i < nrows; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = Int32GetDatum(rows[i].room_id);
		values[1] = Int32GetDatum(rows[i].plan_id);
		values[2] = CStringGetTextDatum(reason_names[rows[i].reason]);
		values[3] = DateADTGetDatum(rows[i].night);
		nulls[3] = rows[i].night == DATEVAL_NOBEGIN;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/*
 * pricing.calendar(city, first_checkin, last_checkin, nights, adults,
 *					children, min_stars, currency, min_board,
 *					free_cancellation, booking_date)
 *
 * For each check-in date, search's first row for the stay of that many
 * nights, and the number of hotels search would return without a limit.
 */
Datum
pricing_calendar(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"city", "first_checkin", "last_checkin", "nights", "adults", "children",
		"min_stars", NULL, "min_board", "free_cancellation", "booking_date"
	};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingStay stay;
	PricingParty party;
	PricingSearch search = {0};
	int32		ndates;
	char	   *city;
	const PricingIndex *index;

	pricing_require_args(fcinfo, args, lengthof(args));
	ndates = check_calendar(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2),
							PG_GETARG_INT32(3), PG_GETARG_DATEADT(10), &stay);
	pricing_check_party(PG_GETARG_INT32(4), "adults", PG_GETARG_ARRAYTYPE_P(5), &party);
	search.min_board = check_board(PG_GETARG_TEXT_PP(8));
	search.free_cancellation = PG_GETARG_BOOL(9);
	search.min_stars = PG_GETARG_INT32(6);
	search.fx = -1;
	city = text_to_cstring(PG_GETARG_TEXT_PP(0));

	pricing_check_read_privilege();
	pricing_init_srf(fcinfo);

	index = pricing_pin(false);
	PG_TRY();
	{
		const PricingCity *c = pricing_index_city(index, city);

		search.index = index;
		if (!PG_ARGISNULL(7) && (search.fx = pricing_index_currency(index, PG_GETARG_BPCHAR_PP(7))) < 0)
			c = NULL;			/* a currency without a rate: no rows */
		if (c != NULL && calendar_in_window(index, PG_GETARG_DATEADT(1), ndates,
											&stay))
		{
			int32	   *counts = palloc(sizeof(int32) * ndates);
			PricingCandidate *best = palloc(sizeof(PricingCandidate) * ndates);

			pricing_calendar_city(c, &stay, ndates, &party, &search, counts,
								  best);
			for (int32 i = 0; i < ndates; i++)
			{
				Datum		values[8];
				bool		nulls[8] = {0};

				if (best[i].hotel == NULL)
					continue;
				values[0] = DateADTGetDatum(stay.checkin + i);
				values[1] = Int64GetDatum(best[i].hotel->hotel_id);
				values[2] = PointerGetDatum(best[i].hotel->name);
				values[3] = Int32GetDatum(best[i].room_id);
				values[4] = Int32GetDatum(best[i].plan->plan_id);
				values[5] = pricing_cents_numeric(best[i].total);
				values[6] = search.fx >= 0 ? PG_GETARG_DATUM(7) :
					PointerGetDatum(best[i].hotel->currency);
				values[7] = Int32GetDatum(counts[i]);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		}
	}
	PG_FINALLY();
	{
		pricing_unpin();
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/*
 * pricing.hotel_calendar(hotel_id, first_checkin, last_checkin, nights,
 *						  adults, children, booking_date)
 *
 * For each check-in date, offers' first row: the hotel's best offer.
 */
Datum
pricing_hotel_calendar(PG_FUNCTION_ARGS)
{
	static const char *const args[] = {
		"hotel_id", "first_checkin", "last_checkin", "nights", "adults",
		"children", "booking_date"
	};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PricingStay stay;
	PricingParty party;
	PricingSearch search = {0};
	int32		ndates;
	int64		hotel_id;
	const PricingIndex *index;

	pricing_require_args(fcinfo, args, lengthof(args));
	hotel_id = PG_GETARG_INT64(0);
	ndates = check_calendar(PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2),
							PG_GETARG_INT32(3), PG_GETARG_DATEADT(6), &stay);
	pricing_check_party(PG_GETARG_INT32(4), "adults", PG_GETARG_ARRAYTYPE_P(5), &party);
	search.min_board = PRICING_BOARD_ROOM_ONLY;
	search.fx = -1;

	pricing_check_read_privilege();
	pricing_init_srf(fcinfo);

	index = pricing_pin(false);
	PG_TRY();
	{
		const PricingHotel *h = pricing_index_hotel(index, hotel_id);

		search.index = index;
		for (int32 i = 0; h != NULL && i < ndates; i++)
		{
			PricingCandidate best;
			Datum		values[5];
			bool		nulls[5] = {0};

			stay.checkin = PG_GETARG_DATEADT(1) + i;
			if (!pricing_stay_in_window(index, &stay) ||
				!pricing_hotel_best(h, &stay, &party, &search, false, 0, &best))
				continue;
			values[0] = DateADTGetDatum(stay.checkin);
			values[1] = Int32GetDatum(best.room_id);
			values[2] = Int32GetDatum(best.plan->plan_id);
			values[3] = pricing_cents_numeric(best.total);
			values[4] = PointerGetDatum(h->currency);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	PG_FINALLY();
	{
		pricing_unpin();
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/*
 * Check a calendar's dates and length of stay: the number of check-in
 * dates, and in *stay what every date's stay shares.
 */
static int32
check_calendar(DateADT first, DateADT last, int32 nights, DateADT booking_date,
			   PricingStay *stay)
{
	int64		ndates = (int64) last - (int64) first + 1;

	if (DATE_NOT_FINITE(first) || DATE_NOT_FINITE(last))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("first_checkin and last_checkin must be finite dates")));
	if (ndates < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("last_checkin must not be earlier than first_checkin")));
	if (ndates > PRICING_CALENDAR_DATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a calendar may span at most %d check-in dates",
						PRICING_CALENDAR_DATES),
				 errdetail("first_checkin to last_checkin spans " INT64_FORMAT " dates.",
						   ndates)));
	if (nights < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nights must be at least 1")));
	if (nights > pricing_max_nights)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nights must not exceed pricing.max_nights"),
				 errdetail("The stay has %d nights; pricing.max_nights is %d.",
						   nights, pricing_max_nights)));
	stay->nights = nights;
	stay->booking_date = booking_date;
	return (int32) ndates;
}

/*
 * Place a calendar's first check-in date in the index's window (stay->first
 * may be negative): false when no date's stay lies inside it.
 */
static bool
calendar_in_window(const PricingIndex *index, DateADT first, int32 ndates,
				   PricingStay *stay)
{
	int64		at = (int64) first - index->first_date;

	stay->ndays = index->ndays;
	if (at + ndates <= 0 || at + stay->nights > index->ndays)
		return false;
	stay->first = (int32) at;
	stay->checkin = first;
	return true;
}

/*
 * Refuse a NULL in any argument that has a name in names[] (the others may
 * be NULL).
 */
void
pricing_require_args(FunctionCallInfo fcinfo, const char *const *names, int nargs)
{
	for (int i = 0; i < nargs; i++)
		if (names[i] != NULL && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not be null", names[i])));
}

/*
 * Check the stay's dates and fill in what does not depend on the index.
 */
void
pricing_check_stay(DateADT checkin, DateADT checkout, DateADT booking_date,
		   PricingStay *stay)
{
	int64		nights = (int64) checkout - (int64) checkin;

	/*
	 * A stay from a date to infinity, or from -infinity to a date, has
	 * infinitely many nights.  (The difference of the sentinels would be a
	 * finite number: 153 nights from the last date to infinity.)
	 */
	if ((DATE_IS_NOEND(checkout) && !DATE_IS_NOEND(checkin)) ||
		(DATE_IS_NOBEGIN(checkin) && !DATE_IS_NOBEGIN(checkout)))
		nights = PG_INT64_MAX;

	if (nights <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("checkout must be later than checkin")));
	if (nights > pricing_max_nights)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stay from checkin to checkout is longer than pricing.max_nights"),
				 nights == PG_INT64_MAX ?
				 errdetail("The stay has no end; pricing.max_nights is %d.",
						   pricing_max_nights) :
				 errdetail("The stay has " INT64_FORMAT " nights; pricing.max_nights is %d.",
						   nights, pricing_max_nights)));

	stay->nights = (int32) nights;
	stay->checkin = checkin;
	stay->booking_date = booking_date;
}

/*
 * Check the party: adults (named what: "guests" for 1.0's functions) and
 * the children's ages, which become the counts of children younger than
 * each age.
 */
void
pricing_check_party(int32 adults, const char *what, ArrayType *children,
			PricingParty *party)
{
	Datum	   *ages;
	bool	   *nulls;
	int			nages = 0;

	if (adults < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 1", what)));
	memset(party, 0, sizeof(PricingParty));
	party->adults = adults;
	if (children == NULL)
		return;

	deconstruct_array(children, INT4OID, sizeof(int32), true, TYPALIGN_INT,
					  &ages, &nulls, &nages);
	if (nages > PRICING_MAX_CHILDREN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("children must hold at most %d ages", PRICING_MAX_CHILDREN),
				 errdetail("It holds %d.", nages)));
	for (int i = 0; i < nages; i++)
	{
		int32		age;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"children\" must not hold a null age")));
		age = DatumGetInt32(ages[i]);
		if (age < 0 || age > PRICING_MAX_CHILD_AGE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("children's ages must be between 0 and %d",
							PRICING_MAX_CHILD_AGE),
					 errdetail("An age is %d.", age)));
		/* a child of age a is younger than every age above a */
		for (int k = age + 1; k <= PRICING_MAX_CHILD_AGE + 1; k++)
			party->below[k]++;
	}
	party->nchildren = nages;
}

static int32
check_max_results(int32 max_results)
{
	if (max_results < 0 || max_results > PRICING_MAX_RESULTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be between 0 and %d", PRICING_MAX_RESULTS)));
	return max_results;
}

/* a board by name, for min_board */
static uint8
check_board(text *board)
{
	char	   *name = text_to_cstring(board);

	for (int i = 0; i < PRICING_NBOARDS; i++)
		if (strcmp(name, board_names[i]) == 0)
			return (uint8) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("min_board must be one of room_only, breakfast, half_board, full_board, all_inclusive"),
			 errdetail("It is \"%s\".", name)));
	return 0;					/* keep compiler quiet */
}

/*
 * The largest total in cents that max_total admits: floor(max_total * 100).
 * Returns false when max_total admits everything (NULL, NaN or +Infinity,
 * which numeric orders above every number, or simply huge).
 */
static bool
total_limit(FunctionCallInfo fcinfo, int argno, int128 *limit)
{
	Datum		v;
	Datum		floor100;

	if (PG_ARGISNULL(argno))
		return false;
	v = PG_GETARG_DATUM(argno);
	if (numeric_is_nan(DatumGetNumeric(v)))
		return false;
	if (numeric_is_inf(DatumGetNumeric(v)))
	{
		if (DatumGetBool(DirectFunctionCall2(numeric_gt, v,
											 DirectFunctionCall1(int8_numeric, Int64GetDatum(0)))))
			return false;
		*limit = -1;
		return true;
	}
	floor100 = DirectFunctionCall1(numeric_floor,
								   DirectFunctionCall2(numeric_mul, v,
													   DirectFunctionCall1(int8_numeric, Int64GetDatum(100))));
	if (DatumGetBool(DirectFunctionCall2(numeric_gt, floor100,
										 DirectFunctionCall1(int8_numeric, Int64GetDatum(PG_INT64_MAX)))))
		return false;
	if (DatumGetBool(DirectFunctionCall2(numeric_lt, floor100,
										 DirectFunctionCall1(int8_numeric, Int64GetDatum(-1)))))
	{
		*limit = -1;
		return true;
	}
	*limit = DatumGetInt64(DirectFunctionCall1(numeric_int8, floor100));
	return true;
}

/*
 * Place the stay in the index's window; false when any night lies outside
 * it (no rows, no error).
 */
bool
pricing_stay_in_window(const PricingIndex *index, PricingStay *stay)
{
	int64		first = (int64) stay->checkin - index->first_date;

	stay->ndays = index->ndays;
	if (first < 0 || first + stay->nights > index->ndays)
		return false;
	stay->first = (int32) first;
	return true;
}

/* explain's name of a reason */
const char *
pricing_reason_name(PricingReason reason)
{
	return reason_names[reason];
}

static inline Datum
board_datum(const PricingPlan *plan)
{
	return CStringGetTextDatum(board_names[plan->board]);
}
