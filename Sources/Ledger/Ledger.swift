public enum LedgerPlaceholder {}
