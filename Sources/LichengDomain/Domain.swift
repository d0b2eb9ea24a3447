// The domain layer: events, rules, projections.
