public enum LedgerServerPlaceholder {}
