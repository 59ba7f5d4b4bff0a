"""Pure: normalize desired and live objects and compare them. No I/O."""
