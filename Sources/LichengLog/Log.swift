// The storage layer. See Log.swift.
