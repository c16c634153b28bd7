//! zkt-eth
