"""The B-Series IP Camera integration."""
