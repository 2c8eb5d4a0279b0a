drop function doorway_next_run_wake();
