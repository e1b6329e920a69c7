//! Text that reaches a terminal or a spreadsheet, made safe.
