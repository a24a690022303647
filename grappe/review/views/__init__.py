"""Expert review pages, by who uses them: the office (desk, runs) and the reviewer."""
