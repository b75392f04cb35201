public enum MnemCLIPlaceholder {}
