"""Record mode: the built-in recording browser (`browser`) and the page QA uses (`page`)."""
