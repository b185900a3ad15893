--
-- test/bench/rival_indexes.sql: the indexes that help the plain-SQL rivals
-- (rival.sql, and the per-hotel pricing of rival_bounded.sql and
-- rival_search_bounded.sql) most.  All are covering, so every probe is an
-- index-only scan (run.sh vacuums afterwards, to set the visibility map):
--
-- * rates by (hotel, night), so one range scan per hotel reads every room's
--   nights of the stay, with all the columns the price needs;
-- * hotels by city, rooms, discounts, fees and rate plans by hotel, and
--   occupancy rows by room and occupants, with their columns.
--
\set ON_ERROR_STOP 1
SET maintenance_work_mem = '1GB';
CREATE INDEX rate_hotel_night_cover ON pricing.rate (hotel_id, stay_date)
	INCLUDE (room_id, price, available, min_stay, closed_to_arrival, max_stay, closed_to_departure);
CREATE INDEX hotel_city_cover ON pricing.hotel (city)
	INCLUDE (hotel_id, name, stars, currency, vat_percent, city_tax, infant_age, child_age);
CREATE INDEX hotel_id_cover ON pricing.hotel (hotel_id)
	INCLUDE (city, name, stars, currency, vat_percent, city_tax, infant_age, child_age);
CREATE INDEX room_hotel_cover ON pricing.room (hotel_id)
	INCLUDE (room_id, max_guests, base_guests, extra_guest_fee, max_infants, extra_child_fee);
CREATE INDEX discount_hotel_cover ON pricing.discount (hotel_id)
	INCLUDE (room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead, plan_id);
CREATE INDEX fee_hotel_cover ON pricing.fee (hotel_id) INCLUDE (per, amount);
CREATE INDEX rate_plan_hotel_cover ON pricing.rate_plan (hotel_id)
	INCLUDE (plan_id, name, room_id, board, board_fee, refundable, cancel_days, adjust_percent,
	         adjust_amount, min_stay, max_stay, min_days_ahead, max_days_ahead);
CREATE INDEX occupancy_cover ON pricing.occupancy (hotel_id, room_id, occupants)
	INCLUDE (adjust_percent);
