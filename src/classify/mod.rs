//! Classification of customers along the retail dimensions of DESIGN §2.
