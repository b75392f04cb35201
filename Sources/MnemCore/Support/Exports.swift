// The JSON parser and writer live in their own module so the embedders can read model headers
// with them without the pool; everything that imports MnemCore keeps seeing them.
@_exported import MnemJSON
