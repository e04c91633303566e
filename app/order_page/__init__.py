"""The order page every team shares: one order, its actions, special requests, amendments,
confirmations and printing (blueprint `orders`, under /orders/). Views read a form, call
one service of app/orders (the domain), and render; the request commits."""
