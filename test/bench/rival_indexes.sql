--
-- test/bench/rival_indexes.sql: the indexes that help the plain-SQL rival
-- (rival.sql) most.  All are covering, so every probe is an index-only scan
-- (run.sh vacuums afterwards, to set the visibility map):
--
-- * rates by (hotel, night), so one range scan per hotel reads every room's
--   nights of the stay, with all the columns the price needs;
-- * hotels by city, rooms, discounts and fees by hotel, with their columns.
--
\set ON_ERROR_STOP 1
SET maintenance_work_mem = '1GB';
CREATE INDEX rate_hotel_night_cover ON pricing.rate (hotel_id, stay_date)
	INCLUDE (room_id, price, available, min_stay, closed_to_arrival);
CREATE INDEX hotel_city_cover ON pricing.hotel (city)
	INCLUDE (hotel_id, name, stars, currency, vat_percent, city_tax);
CREATE INDEX room_hotel_cover ON pricing.room (hotel_id)
	INCLUDE (room_id, max_guests, base_guests, extra_guest_fee);
CREATE INDEX discount_hotel_cover ON pricing.discount (hotel_id)
	INCLUDE (room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead);
CREATE INDEX fee_hotel_cover ON pricing.fee (hotel_id) INCLUDE (per, amount);
