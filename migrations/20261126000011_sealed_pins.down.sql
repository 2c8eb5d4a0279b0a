-- Sealed PINs cannot be opened here (no key): they are dropped, and Seam still holds them.
alter table credentials drop column requested_code_sealed;
alter table credentials drop column code_sealed;
